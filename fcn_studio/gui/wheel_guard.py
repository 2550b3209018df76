"""Inputs in a scrolled form take the mouse wheel only once they have focus.

Qt's combo and spin boxes change their value under the wheel. In the Training dock's form, which
scrolls, a user scrolling down to Start turned the Recipe box through its choices to "file…" and
got a file dialog, and the width and iteration counts with it. As in most desktop forms (and
Qt's own advice), an input now takes the wheel only after a click or Tab gave it focus; until then
the wheel scrolls the form.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget


class WheelGuard(QObject):
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.Wheel or not isinstance(obj, QWidget) or obj.hasFocus():
            return False
        area = obj.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is not None:  # handed to the scroll area itself: it scrolls, as over any other row
            QApplication.sendEvent(area.viewport(), event)
        else:
            event.ignore()  # outside a scroll area Qt hands it on to the parents
        return True


def guard_wheel(form: QWidget) -> WheelGuard:
    """Guard every combo and spin box under `form` (the guard lives as long as the form)."""
    guard = WheelGuard(form)
    inputs: list[QWidget] = [*form.findChildren(QComboBox), *form.findChildren(QAbstractSpinBox)]
    for widget in inputs:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone no longer focuses it
        widget.installEventFilter(guard)
    return guard
