"""A non-modal note across the top of the image: a message, its buttons, and a × to dismiss it.

Used where the window has something to say that must not stop the user (an interrupted run to
resume, why a photo comes out as background); a dialog would have to be answered first.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)


class NoticeBar(QFrame):
    dismissed = Signal()

    def __init__(self, name: str, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("NoticeBar { background: palette(alternate-base); }")
        self.message = QLabel(text)
        self.message.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(8, 4, 4, 4)
        self.row.addWidget(self.message, 1)
        close = QToolButton()
        close.setText("×")
        close.setToolTip("dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        self.row.addWidget(close)

    def add_button(self, text: str, slot: Callable[[], object], closes: bool = True) -> QPushButton:
        """A button before the ×; by default pressing it also takes the note away."""
        button = QPushButton(text)
        if closes:  # first: a modal dialog the slot opens then has no stale note behind it
            button.clicked.connect(self.hide_note)
        button.clicked.connect(lambda: slot())
        self.row.insertWidget(self.row.count() - 1, button)
        self.buttons[text] = button
        return button

    def dismiss(self) -> None:
        """The × : the user does not want it (whoever listens to `dismissed` may remember that)."""
        self.hide_note()
        self.dismissed.emit()

    def hide_note(self) -> None:
        self.hide()
