"""The emit reference leak (PySide6 6.12.0 on Python ≤ 3.11) must not be able to kill the app."""

import sys

from PySide6.QtCore import QObject, Signal

import fcn_studio.gui  # noqa: F401 - installs the fix
from fcn_studio.gui._pyside_fix import emit_leaks_true


class Emitter(QObject):
    changed = Signal(int, object)


def test_emitting_many_signals_keeps_the_reference_count_of_true():
    obj = Emitter()
    obj.changed.connect(lambda *_: None)
    before = sys.getrefcount(True)
    for _ in range(20000):  # more than True's whole reference count in a small process
        obj.changed.emit(1, None)
    assert abs(sys.getrefcount(True) - before) < 50 and not emit_leaks_true()
