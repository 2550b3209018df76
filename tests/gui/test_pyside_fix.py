"""The reference leaks of PySide6 6.12.0 (every void method → None, emit → True; fatal on
Python ≤ 3.11) must not be able to kill the app, however long it runs."""

import sys

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QFont

import fcn_studio.gui  # noqa: F401 - installs the fix
from fcn_studio.gui import _pyside_fix


class Emitter(QObject):
    changed = Signal(int, object)


def test_the_singletons_have_references_to_spare_wherever_qt_leaks_them():
    leaks = _pyside_fix.install()  # a second install finds the leaks again and adds nothing
    if leaks or sys.version_info < (3, 12):
        for obj in _pyside_fix.SINGLETONS:
            # spare references, less what the tests before this one leaked (thousands of 2⁶⁰)
            assert sys.getrefcount(obj) > _pyside_fix.SPARE_REFERENCES // 2 or not leaks
    assert sys.getrefcount(None) < 2 * _pyside_fix.SPARE_REFERENCES + 10**7  # given once, not per install


def test_a_million_leaking_calls_cannot_free_none_or_true(qapp):
    obj = Emitter()
    obj.changed.connect(lambda *_: None)
    font = QFont()
    for _ in range(300_000):  # more than None's whole reference count in a test process
        font.setPointSizeF(8)
    for _ in range(200_000):
        obj.changed.emit(1, None)
    for _ in range(20_000):
        qapp.processEvents()
        QCoreApplication.sendPostedEvents()
    assert sys.getrefcount(None) > 0 and sys.getrefcount(True) > 0  # alive: still here to assert


def test_references_are_added_to_the_count_itself():
    before = sys.getrefcount(None)
    _pyside_fix._add_references(None, 1000)
    assert abs(sys.getrefcount(None) - before - 1000) <= 50  # other threads take and drop None meanwhile
    _pyside_fix._add_references(None, -1000)
    assert abs(sys.getrefcount(None) - before) <= 50
