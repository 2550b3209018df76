"""Getting images and models in: open dialogs, recent files, drag and drop, paste.

Decoding runs on the worker (Lane.OPEN); each batch of files ends by showing its last image (the
open job's return value). The window forwards its drop events here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QMimeData, QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from ..app.jobs import ImageFailed, ImageOpened, OpenImagesJob, OpenModelJob
from ..app.session import OpenImage
from ..app.view_model import ViewModel
from ..app.view_settings import Store, recent_projects
from ..images import IMAGE_SUFFIXES
from .error_dialog import ErrorDialog
from .worker import JobRunner

MAX_RECENT = 10
IMAGE_FILTER = f"Images ({' '.join('*' + s for s in IMAGE_SUFFIXES)});;All files (*)"
MODEL_FILTER = "Models (*.safetensors *.pth *.pt *.caffemodel);;All files (*)"


class Opener(QObject):
    """Opens what the user points at into the view model; `recent_menu` lists the last paths."""

    def __init__(self, vm: ViewModel, runner: JobRunner, store: Store, errors: ErrorDialog, recent_menu: QMenu,
                 parent: QWidget):
        super().__init__(parent)
        self.vm, self.runner, self.store, self.errors = vm, runner, store, errors
        self.recent_menu = recent_menu
        self.open_project: Callable[[Path], object] | None = None  # the annotate mode's, once the window has it
        self.dialog_parent = parent
        self.fill_recent()

    def open_paths(self, paths: list[str | Path]) -> None:
        """Decode on the worker; each batch of files ends by showing its last image."""
        paths = [str(p) for p in paths]
        if not paths:
            return
        palette = self.vm.palette if self.vm.entry is not None else None
        opened: set[str] = set()

        def event(ev: object) -> None:
            self._opened(ev)
            if isinstance(ev, ImageOpened) and ev.image.path is not None:
                source = _source_of(ev.image.path, paths)
                if source is not None and source not in opened:
                    opened.add(source)
                    self._remember([p for p in paths if p in opened])

        self.runner.submit(OpenImagesJob(paths, palette), yielded=event, returned=self._show, errored=self._failed)

    def _remember(self, paths: list[str]) -> None:
        """Recent files are the ones that opened (a folder once one of its images did), newest first."""
        recent = [p for p in paths + self.recent() if Path(p).exists()]
        self.store.setValue("recent", list(dict.fromkeys(recent))[:MAX_RECENT])
        self.fill_recent()

    def open_model(self, path: str | Path) -> None:
        self.runner.submit(OpenModelJob(self.vm.session, path), returned=self.vm.opened_model, errored=self._failed)

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
            self.vm.image = self.vm.add_image(self.vm.session.pasted_image(rgb.copy()))
            return True
        return False

    def paste(self) -> None:
        self.handle_mime(QGuiApplication.clipboard().mimeData())

    def open_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self.dialog_parent, "Open images", self.last_dir(), IMAGE_FILTER)
        self.open_paths(files)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.dialog_parent, "Open a folder of images", self.last_dir())
        if folder:
            self.open_paths([folder])

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.dialog_parent, "Open a model", "", MODEL_FILTER)
        if path:
            self.open_model(path)

    def recent(self) -> list[str]:
        value = self.store.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def fill_recent(self) -> None:
        """Recent images and folders, then the recent annotation projects (`open_project` opens one)."""
        menu = self.recent_menu
        menu.clear()
        for path in self.recent():
            menu.addAction(path, lambda p=path: self.open_paths([p]))
        projects = recent_projects(self.store) if self.open_project is not None else []
        if projects:
            menu.addSection("Annotation projects")
            for folder in projects:
                menu.addAction(f"{folder} (project)", lambda f=folder: self.open_project(f))
        menu.setEnabled(bool(self.recent() or projects))

    def last_dir(self) -> str:
        recent = self.recent()
        return str(Path(recent[0]).parent) if recent else ""

    def _opened(self, event: object) -> None:
        if isinstance(event, ImageOpened):
            self.vm.add_image(event.image)
        elif isinstance(event, ImageFailed):
            self.errors.report(event.message, "Each file listed could not be read as an image; every other file opened as usual.")

    def _show(self, last: OpenImage | None) -> None:
        if last is not None:
            self.vm.image = last

    def _failed(self, problem: Exception) -> None:
        self.errors.report(problem, "The window stays usable; see the log for details.")


def _source_of(path: Path, requested: list[str]) -> str | None:
    """Which of the requested paths (a file, or a folder holding it) an opened image came from."""
    for source in requested:
        if Path(source) == path or Path(source) == path.parent:
            return source
    return None
