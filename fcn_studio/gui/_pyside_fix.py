"""Work around a reference-count bug of `SignalInstance.emit` in some PySide6 releases (6.12.0).

There `emit()` returns `True` without taking a reference, so every emit from Python code
(pyqtgraph emits on each redraw) drops one reference to `True`. On Python ≤ 3.11, where `True`
is not immortal, the process dies after a few thousand emits with "Fatal Python error:
bool_dealloc". We detect the bug at import time and, only if present, wrap `emit` to give the
missing reference back. Remove once the supported PySide6 releases are all fixed.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance

log = logging.getLogger(__name__)


class _Probe(QObject):
    ping = Signal()


def emit_leaks_true() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) - before <= -8


def install() -> bool:
    """Patch `SignalInstance.emit` if this PySide6 has the bug; returns whether it patched."""
    if getattr(SignalInstance.emit, "_fcn_studio_fixed", False) or not emit_leaks_true():
        return False
    original = SignalInstance.emit
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None

    def emit(self, *args):
        result = original(self, *args)
        if result is True or result is False:
            incref(result)  # the reference the C implementation forgot to take
        return result

    emit._fcn_studio_fixed = True
    SignalInstance.emit = emit
    log.info("patched PySide6 SignalInstance.emit reference leak of True")
    return True
