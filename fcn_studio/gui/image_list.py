"""The list of open images; empty, it tells the user to drop files or folders."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from ..app.session import OpenImage


class ImageList(QListWidget):
    HINT = "drop images or\nfolders here"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(False)
        self.keys: list[str] = []

    def add(self, image: OpenImage) -> int:
        """Add or refresh an entry; returns its row."""
        label = image.name + ("  ✓truth" if image.truth is not None else "")
        if image.ident in self.keys:
            row = self.keys.index(image.ident)
            self.item(row).setText(label)
            return row
        self.keys.append(image.ident)
        self.addItem(QListWidgetItem(label))
        return self.count() - 1

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self.count() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.HINT)
