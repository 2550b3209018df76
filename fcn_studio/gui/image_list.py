"""The list of open images; empty, it tells the user to drop files or folders. Picking a row shows
that image (`bind(view_model)`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from ..app.session import OpenImage
from ..app.view_model import ViewModel


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

    def bind(self, vm: ViewModel) -> None:
        vm.events.images.connect(self.add)
        vm.events.image.connect(self.select)
        self.currentRowChanged.connect(lambda row: setattr(vm, "image", vm.session.images[row]) if row >= 0 else None)

    def select(self, image: OpenImage | None) -> None:
        """Mark the shown image's row, without it counting as the user's pick."""
        row = self.keys.index(image.ident) if image is not None and image.ident in self.keys else -1
        self.blockSignals(True)
        self.setCurrentRow(row)
        self.blockSignals(False)

    def step(self, step: int) -> None:
        """The next (or previous) image, wrapping round."""
        if self.count():
            self.setCurrentRow((self.currentRow() + step) % self.count())

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if self.count() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.HINT)
