"""Which open images join a new annotation project: a checklist, only the shown image ticked.

Every image that joins is trained on unless it is kept for testing, so a project never takes the
open images wholesale: a stray photo (or the very image meant for testing, opened twice) would
leak into training."""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..app.session import OpenImage


class JoinImagesDialog(QDialog):
    def __init__(self, images: Sequence[OpenImage], shown: OpenImage | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Images for the new project")
        self.images = list(images)
        self.list = QListWidget()
        for image in self.images:
            item = QListWidgetItem(image.name if image.path is not None else f"{image.name} (no file: cannot join)")
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled if image.path is not None
                          else Qt.ItemFlag.NoItemFlags)
            picked = shown is not None and image.ident == shown.ident and image.path is not None
            item.setCheckState(Qt.CheckState.Checked if picked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Tick the open images that join the project (copied into it; the files stay where "
                                "they are). More can join later: painting on an image asks first."))
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def chosen(self) -> list[OpenImage]:
        return [image for k, image in enumerate(self.images)
                if self.list.item(k).checkState() == Qt.CheckState.Checked]


def ask_images(parent: QWidget, images: Sequence[OpenImage], shown: OpenImage | None) -> list[OpenImage] | None:
    """The images the user ticked (None: cancelled); no question when no image is open."""
    if not images:
        return []
    dialog = JoinImagesDialog(images, shown, parent)
    return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None
