"""A small non-modal notice that says what was written where, with an "Open folder" button.

Export and Batch write files the user did not see being written; this says which and where,
and opens the folder in the desktop's file manager (QDesktopServices) on request.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget


class WrittenFilesDialog(QDialog):
    """`show_notice(text, folder, lines)`: `text` on top, `lines` (failed files, say) as a list."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("fcn-studio")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.folder: Path | None = None
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_folder = QPushButton("Open folder")
        buttons.addButton(self.open_folder, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder.clicked.connect(self.open_in_file_manager)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def show_notice(self, text: str, folder: Path, lines: list[str] = ()) -> None:
        self.folder = Path(folder)
        self.label.setText(text)
        self.list.clear()
        self.list.addItems(list(lines))
        self.list.setVisible(bool(lines))
        self.adjustSize()
        self.show()
        self.raise_()

    def open_in_file_manager(self) -> None:
        if self.folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))
