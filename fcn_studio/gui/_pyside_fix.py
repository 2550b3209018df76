"""Work around reference-count bugs of some PySide6 releases (6.12.0).

There `SignalInstance.emit()` returns `True` without taking a reference, so every emit from
Python code (pyqtgraph emits on each redraw) drops one reference to `True`; and
`QCoreApplication.processEvents()` / `sendPostedEvents()` return `None` the same way (pytest-qt
calls processEvents around every test, pyqtgraph and our scripts in loops). On Python ≤ 3.11,
where `True` and `None` are not immortal, the process dies after a few thousand calls with
"Fatal Python error: bool_dealloc" / "none_dealloc". Each bug is detected at import time and,
only if present, the call is wrapped to give the missing reference back. Remove once the
supported PySide6 releases are all fixed.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from typing import Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal, SignalInstance

log = logging.getLogger(__name__)

NONE_LEAKERS = ("processEvents", "sendPostedEvents")  # static QCoreApplication calls returning None


def _incref() -> Callable[[object], None]:
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None
    return incref


class _Probe(QObject):
    ping = Signal()


def emit_leaks_true() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) - before <= -8


def leaks_none(name: str) -> bool:
    """Whether `QCoreApplication.<name>()` drops a reference to None (it runs without an app too)."""
    call = getattr(QCoreApplication, name)
    before = sys.getrefcount(None)
    for _ in range(8):
        call()
    return sys.getrefcount(None) - before <= -8


def install() -> list[str]:
    """Patch whatever this PySide6 gets wrong; returns the names of the patched calls."""
    patched = ["SignalInstance.emit"] if _fix_emit() else []
    return patched + [f"QCoreApplication.{name}" for name in NONE_LEAKERS if _fix_none_leak(name)]


def _fix_none_leak(name: str) -> bool:
    if getattr(getattr(QCoreApplication, name), "_fcn_studio_fixed", False) or not leaks_none(name):
        return False
    original, incref = getattr(QCoreApplication, name), _incref()

    def call(*args, **kwargs):
        result = original(*args, **kwargs)
        incref(None)  # the reference the C implementation gave away
        return result

    call._fcn_studio_fixed = True
    setattr(QCoreApplication, name, staticmethod(call))
    log.info("patched PySide6 QCoreApplication.%s reference leak of None", name)
    return True


def _fix_emit() -> bool:
    if getattr(SignalInstance.emit, "_fcn_studio_fixed", False) or not emit_leaks_true():
        return False
    original, incref = SignalInstance.emit, _incref()

    def emit(self, *args):
        result = original(self, *args)
        if result is True or result is False:
            incref(result)  # the reference the C implementation forgot to take
        return result

    emit._fcn_studio_fixed = True
    SignalInstance.emit = emit
    log.info("patched PySide6 SignalInstance.emit reference leak of True")
    return True
