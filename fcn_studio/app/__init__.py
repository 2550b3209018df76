"""Qt-free application state: the model catalog, open images, the results cache and jobs.

The GUI draws what this package computes; the same objects serve a CLI or a test without Qt.
"""
