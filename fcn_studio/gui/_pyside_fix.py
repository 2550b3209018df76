"""Survive the reference-count bugs of some PySide6 releases (6.12.0).

There every method that returns nothing (`QFont.setPointSizeF`, `QLabel.setText`, …; and
`QCoreApplication.processEvents`) gives away a reference to `None` it never took, and
`SignalInstance.emit()` does the same with `True`. On Python ≥ 3.12 `None`, `True` and `False` are
immortal and nothing happens; on Python ≤ 3.11 their reference counts fall by one per call, and
after a few hundred thousand calls — a long session, painting, a test suite — the process dies
with "Fatal Python error: none_dealloc" / "bool_dealloc". Wrapping each leaking call cannot work
(they are most of Qt), so where a leak is detected at import time these three singletons are made
immortal as Python 3.12 makes them: their counts get so many references (2⁶⁰) that no session can
spend them. They are never freed anyway, so nothing else changes. Remove once the supported
PySide6 releases are all fixed.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont

log = logging.getLogger(__name__)

SPARE_REFERENCES = 1 << 60  # far more than any session spends, far from the counter's 2⁶³ limit
SINGLETONS = (None, True, False)


class _Probe(QObject):
    ping = Signal()


def emit_leaks_true() -> bool:
    """Whether `SignalInstance.emit()` drops a reference to True."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) - before <= -8


def void_call_leaks_none() -> bool:
    """Whether a Qt method that returns nothing drops a reference to None."""
    font = QFont()
    before = sys.getrefcount(None)
    for _ in range(8):
        font.setBold(True)
    return sys.getrefcount(None) - before <= -8


def _add_references(obj: object, count: int) -> None:
    """CPython keeps an object's reference count in the first word of the object."""
    ctypes.c_ssize_t.from_address(id(obj)).value += count


def install() -> list[str]:
    """Make None, True and False immortal where this PySide6 leaks them; returns the leaks found."""
    leaks = [name for name, leaking in (("None", void_call_leaks_none()), ("True", emit_leaks_true())) if leaking]
    if leaks and sys.getrefcount(None) < SPARE_REFERENCES:
        for obj in SINGLETONS:
            _add_references(obj, SPARE_REFERENCES)
        log.info("PySide6 leaks references to %s: None, True and False made immortal", " and ".join(leaks))
    return leaks
