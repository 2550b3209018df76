"""The reference leaks of PySide6 6.12.0 (emit → True, processEvents → None; fatal on Python ≤ 3.11)
must not be able to kill the app."""

import sys

from PySide6.QtCore import QCoreApplication, QObject, Signal

import fcn_studio.gui  # noqa: F401 - installs the fix
from fcn_studio.gui._pyside_fix import emit_leaks_true, leaks_none


class Emitter(QObject):
    changed = Signal(int, object)


def test_emitting_many_signals_keeps_the_reference_count_of_true():
    obj = Emitter()
    obj.changed.connect(lambda *_: None)
    before = sys.getrefcount(True)
    for _ in range(20000):  # more than True's whole reference count in a small process
        obj.changed.emit(1, None)
    assert abs(sys.getrefcount(True) - before) < 50 and not emit_leaks_true()


def test_processing_events_many_times_keeps_the_reference_count_of_none(qapp):
    before = sys.getrefcount(None)
    for _ in range(20000):  # pytest-qt, pyqtgraph and our scripts call these in loops
        qapp.processEvents()
        QCoreApplication.sendPostedEvents()
    assert abs(sys.getrefcount(None) - before) < 50
    assert not leaks_none("processEvents") and not leaks_none("sendPostedEvents")
