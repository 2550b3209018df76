"""A non-modal error dialog: what went wrong and which file, while the window stays usable.

Errors arriving while it is open are appended instead of stacking dialogs, so a drop of fifty
unreadable files gives one dialog with fifty lines, not fifty dialogs.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)


class ErrorDialog(QMessageBox):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("fcn-studio: error")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setStandardButtons(QMessageBox.StandardButton.Close)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.messages: list[str] = []
        self.finished.connect(self._clear)

    def report(self, message: str, hint: str = "") -> None:
        log.error("%s", message)
        self.messages.append(message)
        self.setText(self.messages[0] if len(self.messages) == 1 else f"{len(self.messages)} problems:")
        self.setInformativeText(hint if len(self.messages) == 1 else "")
        self.setDetailedText("\n".join(self.messages) if len(self.messages) > 1 else "")
        self.show()
        self.raise_()

    def _clear(self) -> None:
        self.messages = []
