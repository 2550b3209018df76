"""A non-modal error dialog: what went wrong and which file, while the window stays usable.

Errors arriving while it is open are appended instead of stacking dialogs, so a drop of fifty
unreadable files gives one dialog with fifty lines, not fifty dialogs. Those lines are the body of
the dialog (a scrolled list, one file and its reason a line), not hidden behind "Show Details".
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QListWidget,
                               QStyle, QVBoxLayout, QWidget)

log = logging.getLogger(__name__)


def describe(problem: BaseException | str) -> str:
    """One line for the dialog: a `FileProblem` already names its file; anything else keeps its kind."""
    if isinstance(problem, str):
        return problem
    return str(problem) or type(problem).__name__


class ErrorDialog(QDialog):
    """`report(problem, hint)` shows or extends it; `messages` are the lines since it was last closed and
    `problems` what was reported (the exception objects themselves, where one was given)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("fcn-studio: error")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.messages: list[str] = []
        self.problems: list[BaseException | str] = []
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(40, 40))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)  # a wrapped line still reads as one file
        self.list.setSpacing(1)
        self.list.setMinimumHeight(140)
        self.list.hide()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addWidget(self.header, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.finished.connect(self._clear)

    def text(self) -> str:
        """The dialog's first line: the message itself, or how many problems the list holds."""
        return self.header.text()

    def report(self, problem: BaseException | str, hint: str = "") -> None:
        message = describe(problem)
        log.error("%s", message)
        self.problems.append(problem)
        self.messages.append(message)
        many = len(self.messages) > 1
        self.header.setText(f"{len(self.messages)} problems:" if many else message)
        if not many:
            self.hint.setText(hint)
        self.hint.setVisible(bool(self.hint.text()))
        if many:
            if self.list.count() == 0:
                self.list.addItem(self.messages[0])
            self.list.addItem(message)
            self.list.scrollToBottom()
        self.list.setVisible(many)
        self.show()
        self.raise_()

    def _clear(self) -> None:
        self.messages = []
        self.problems = []
        self.hint.clear()
        self.list.clear()
        self.list.hide()
