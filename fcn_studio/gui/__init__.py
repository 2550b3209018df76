"""The PySide6 + pyqtgraph desktop app. The only package that imports Qt.

Widgets ask `fcn_studio.app` for results and draw them; `worker.JobRunner` runs app jobs off
the GUI thread. Images are row-major arrays (H×W×C) everywhere, as numpy and PIL give them.
"""

import pyqtgraph as pg

from . import _pyside_fix

_pyside_fix.install()
pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
