"""Export the shown result as PNGs, and segment a folder into files (Run ▸ Segment a folder)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QDockWidget, QFileDialog, QWidget

from ..app import analysis
from ..app.jobs import BatchSegmentJob, FileWritten, ImageFailed, Lane, Progress
from ..app.view_model import ViewModel
from ..errors import FileProblem
from ..images import save_image
from ..palette import save_label_png
from .error_dialog import ErrorDialog
from .image_view import NO_MODEL_HINT
from .jobs_panel import JobsPanel
from .worker import JobRunner

log = logging.getLogger(__name__)


class Exporter:
    """Writes what `vm` shows; batches run in Lane.BATCH with the Jobs dock showing their progress."""

    def __init__(self, vm: ViewModel, runner: JobRunner, errors: ErrorDialog, jobs_panel: JobsPanel,
                 jobs_dock: QDockWidget, last_dir: Callable[[], str], parent: QWidget):
        self.vm, self.runner, self.errors = vm, runner, errors
        self.jobs_panel, self.jobs_dock, self.last_dir = jobs_panel, jobs_dock, last_dir
        self.dialog_parent = parent
        jobs_panel.cancel_requested.connect(self.cancel_batch)

    def export_labels(self, path: str | Path | None = None) -> Path | None:
        return self._export("Export labels", "", path, lambda pred, out: save_label_png(pred.labels, out, self.vm.palette))

    def export_overlay(self, path: str | Path | None = None) -> Path | None:
        vm = self.vm

        def write(pred, out):
            rgba = analysis.blend(vm.image.rgb, pred.labels, vm.palette, vm.opacity, vm.transparent)
            save_image(rgba, out, "overlay")
        return self._export("Export overlay", "_overlay", path, write)

    def _export(self, title: str, suffix: str, path: str | Path | None, write) -> Path | None:
        """Write the shown result with `write(prediction, path)`; ask for the path when none is given."""
        pred = self.vm.prediction()
        if pred is None:
            return None
        default = f"{Path(self.vm.image.name).stem}_{self.vm.head}{suffix}.png"
        path = path or QFileDialog.getSaveFileName(self.dialog_parent, title, default, "PNG (*.png)")[0]
        if not path:
            return None
        try:
            write(pred, path)
        except FileProblem as exc:  # a full disk, a read-only folder: said in the error list, nothing half-written
            self.errors.report(str(exc))
            return None
        return Path(path)

    def run_batch(self, sources: list[str | Path] | None = None, out_dir: str | Path | None = None) -> None:
        vm = self.vm
        if vm.entry is None:
            self.errors.report(NO_MODEL_HINT)
            return
        if sources is None:
            folder = QFileDialog.getExistingDirectory(self.dialog_parent, "Folder of images to segment", self.last_dir())
            sources = [folder] if folder else []
        if sources and out_dir is None:
            out_dir = QFileDialog.getExistingDirectory(self.dialog_parent, "Write labels and overlays into", self.last_dir())
        if not sources or not out_dir:
            return
        self.jobs_dock.show()
        self.jobs_panel.started(f"segmenting {', '.join(Path(s).name for s in sources)} with {vm.entry.path.name}")
        job = BatchSegmentJob(vm.session, sources, vm.entry, out_dir, vm.device, opacity=vm.opacity, stitch=vm.stitch)
        self.runner.submit(job, yielded=self._on_event, errored=self._failed, finished=self._finished)

    def cancel_batch(self) -> None:
        self.runner.cancel(Lane.BATCH)
        self.jobs_panel.ended("batch cancelled")

    def _on_event(self, event: object) -> None:
        if isinstance(event, Progress):
            self.jobs_panel.progress(event.done, event.total, event.message)
        elif isinstance(event, ImageFailed):
            self.errors.report(event.message, "The file could not be read as an image; the other files are unaffected.")
        elif isinstance(event, FileWritten):
            log.info("wrote %s", ", ".join(map(str, event.outputs)))

    def _failed(self, message: str) -> None:
        self.jobs_panel.ended(f"failed: {message}")
        self.errors.report(message, "The window stays usable; see the log for details.")

    def _finished(self) -> None:
        if not self.runner.busy(Lane.BATCH):
            self.jobs_panel.ended("batch finished")
