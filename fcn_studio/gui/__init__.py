"""The PySide6 + pyqtgraph desktop app. The only package that imports Qt.

Widgets bind to `fcn_studio.app`'s ViewModel and draw what it holds; `worker.JobRunner` runs app
jobs off the GUI thread, each behind a handle with its own signals. gui/ imports only from
fcn_studio.app and the bottom layer (errors, files, paths, images, palette). Images are row-major
arrays (H×W×C) everywhere, as numpy and PIL give them.
"""

import pyqtgraph as pg

from . import _pyside_fix

_pyside_fix.install()
pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
