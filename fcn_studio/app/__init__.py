"""Qt-free application state: the model catalog, open images, the results cache, the view model
(what the window shows, as evented fields) and jobs (generators run behind handles by the GUI).

The GUI draws what this package computes; the same objects serve a CLI or a test without Qt.
"""
