"""Getting images and models in (a mixin of MainWindow): open dialogs, recent files, drag and
drop, paste. Decoding runs on the worker ("open" lane); the window shows what arrives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from ..app.jobs import OpenImagesJob, OpenModelJob
from ..app.session import OpenImage
from ..images import IMAGE_SUFFIXES

MAX_RECENT = 10
IMAGE_FILTER = f"Images ({' '.join('*' + s for s in IMAGE_SUFFIXES)});;All files (*)"


class OpeningMixin:
    """Mixed into MainWindow; uses its session, runner, settings, image list and recent menu."""

    def open_paths(self, paths: list[str | Path]) -> None:
        """Decode on the worker; each batch of files ends by showing its last image."""
        paths = [str(p) for p in paths]
        if not paths:
            return
        palette = np.array(self.family[self.head].info.palette, np.uint8) if self.family else None
        self.runner.submit("open", OpenImagesJob(paths, palette))
        recent = [p for p in paths + self._recent() if Path(p).exists()]
        self.settings.setValue("recent", list(dict.fromkeys(recent))[:MAX_RECENT])
        self._fill_recent()

    def handle_mime(self, mime: QMimeData) -> bool:
        """Dropped or pasted data: local files/folders, or raw image pixels."""
        files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        if files:
            self.open_paths(files)
            return True
        if mime.hasImage():
            qimage = mime.imageData().convertToFormat(mime.imageData().Format.Format_RGB888)
            arr = np.array(qimage.constBits(), dtype=np.uint8).reshape(qimage.height(), qimage.bytesPerLine())
            rgb = arr[:, : qimage.width() * 3].reshape(qimage.height(), qimage.width(), 3)
            self._add_image(self.session.pasted_image(rgb.copy()))
            self.show_image(self.session.images[-1])
            return True
        return False

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.handle_mime(event.mimeData()):
            event.acceptProposedAction()

    def paste(self) -> None:
        self.handle_mime(QGuiApplication.clipboard().mimeData())

    def open_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open images", self._last_dir(), IMAGE_FILTER)
        self.open_paths(files)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of images", self._last_dir())
        if folder:
            self.open_paths([folder])

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a model", "", "Models (*.safetensors *.pth *.pt *.caffemodel);;All files (*)")
        if path:
            self.open_model(path)

    def open_model(self, path: str | Path) -> None:
        self.runner.submit("open", OpenModelJob(self.session, path))


    def _add_image(self, image: OpenImage) -> OpenImage:
        image = self.session.add_image(image)
        self.image_list.add(image)
        return image

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _fill_recent(self) -> None:
        menu = self.actions.recent_menu
        menu.clear()
        for path in self._recent():
            menu.addAction(path, lambda p=path: self.open_paths([p]))
        menu.setEnabled(bool(self._recent()))

    def _last_dir(self) -> str:
        recent = self._recent()
        return str(Path(recent[0]).parent) if recent else ""

