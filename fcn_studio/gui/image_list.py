"""The list of open images; empty, it tells the user to drop files or folders. Picking a row shows
that image (`bind(view_model)`). With an annotation project open, each row also says what the
project knows of the image (`describe`: painted fraction, test, fully painted, the round that last
predicted it), and its context menu takes the image out of the project (`remove_requested`)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QPainter
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QMenu, QWidget

from ..app.session import OpenImage
from ..app.view_model import ViewModel


class ImageList(QListWidget):
    HINT = "drop images or\nfolders here"
    REMOVE = "Remove from the annotation project (files kept)"
    remove_requested = Signal(object)  # OpenImage: take it out of the annotation project

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(False)
        self.setWordWrap(True)  # a project image's state is a second line that may be long
        self.keys: list[str] = []
        self.images: list[OpenImage] = []
        self.describe: Callable[[OpenImage], str] = lambda image: ""
        self.pick: Callable[[QMenu, QPoint], QAction | None] = lambda menu, at: menu.exec(at)  # tests answer it
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    def add(self, image: OpenImage) -> int:
        """Add or refresh an entry; returns its row."""
        described = self.describe(image)
        label = image.name + ("  ✓truth" if image.truth is not None else "") + (f"\n    {described}" if described else "")
        if image.ident in self.keys:
            row = self.keys.index(image.ident)
            self.images[row] = image
            self.item(row).setText(label)
            self.item(row).setToolTip(described)
            return row
        self.keys.append(image.ident)
        self.images.append(image)
        item = QListWidgetItem(label)
        item.setToolTip(described)
        self.addItem(item)
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

    def refresh(self) -> None:
        """Every row said again (the project changed: a save, a flag, a round, an image removed)."""
        for image in list(self.images):
            self.add(image)

    def _menu(self, at: QPoint) -> None:
        row = self.row(self.itemAt(at)) if self.itemAt(at) is not None else -1
        if row < 0 or not self.describe(self.images[row]):
            return  # not in a project: nothing to remove it from
        menu = QMenu(self)
        remove = menu.addAction(self.REMOVE)
        if self.pick(menu, self.viewport().mapToGlobal(at)) is remove:
            self.remove_requested.emit(self.images[row])

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
