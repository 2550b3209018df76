"""Runs File ▸ Import weights…: the dialog's choices become an ImportWeightsJob on the worker; the
converted model joins the model picker and is shown; a failure is one line naming the file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QWidget

from ..app.import_job import Imported, ImportWeightsJob
from ..app.view_model import ViewModel
from .error_dialog import ErrorDialog
from .import_dialog import ImportDialog
from .model_file import add_model_file
from .status_bar import StatusBar
from .worker import JobRunner


class Importer:
    def __init__(self, vm: ViewModel, runner: JobRunner, errors: ErrorDialog, status: StatusBar, parent: QWidget):
        self.vm, self.runner, self.errors, self.status = vm, runner, errors, status
        self.dialog = ImportDialog(parent)
        self.last: Imported | None = None

    def import_dialog(self) -> None:
        """Ask, then import (the dialog is modal: it is one short question)."""
        if self.dialog.exec() == QDialog.DialogCode.Accepted:
            self.start(*self.dialog.chosen())

    def start(self, src: str | Path, arch: str | None, dst: str | Path) -> None:
        self.status.show_hover(f"importing {Path(src).name}…")
        self.runner.submit(ImportWeightsJob(src, dst, arch), returned=self._imported,
                           errored=lambda problem: self.errors.report(
                               problem, "Check the file and the architecture, then File ▸ Import weights… again."))

    def _imported(self, done: Imported) -> None:
        entry = add_model_file(self.vm, done.path, self.errors)
        if entry is None:
            return
        self.last = done
        self.vm.model = entry
        self.status.show_hover(f"imported {done.summary()}")
