"""Export the shown result as PNGs, and segment a folder into files (Run ▸ Segment a folder).

All three end alike, saying what was written where: a status-bar message and a small non-modal
notice with an "Open folder" button (a batch's notice also lists each file that failed, with its
reason). The folder last written to is remembered in the settings store and offered next time.
A batch is `app.batch`'s pipeline, the one `fcn-studio segment` runs: outputs that exist already
are replaced only once the user agrees.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QDockWidget, QFileDialog, QMessageBox, QStatusBar, QWidget

from ..app.batch import BatchDone, BatchSegmentJob, FileWritten, existing_outputs
from ..app.jobs import ImageFailed, Lane, Progress
from ..app.overlay import blend
from ..app import view_sentences as sentences
from ..app.view_model import ViewModel
from ..errors import FileProblem
from ..images import save_image
from ..palette import save_label_png
from .error_dialog import ErrorDialog
from .folder_dialog import ask_output_folder
from .image_view import NO_MODEL_HINT
from .jobs_panel import JobsPanel
from .written_files_dialog import WrittenFilesDialog
from .worker import JobRunner

log = logging.getLogger(__name__)

STATUS_MS = 30000  # how long the status bar says what was written
FOLDER_KEY = "export/folder"  # the settings key of the folder last exported to


class Exporter:
    """Writes what `vm` shows; batches run in Lane.BATCH with the Jobs dock showing their progress."""

    def __init__(self, vm: ViewModel, runner: JobRunner, errors: ErrorDialog, jobs_panel: JobsPanel,
                 jobs_dock: QDockWidget, last_dir: Callable[[], str], parent: QWidget, status: QStatusBar | None = None):
        self.vm, self.runner, self.errors = vm, runner, errors
        self.jobs_panel, self.jobs_dock, self.last_dir = jobs_panel, jobs_dock, last_dir
        self.dialog_parent, self.status = parent, status
        self.notice = WrittenFilesDialog(parent)
        jobs_panel.cancel_requested.connect(self.cancel_batch)

    def export_labels(self, path: str | Path | None = None) -> Path | None:
        return self._export("Export labels", "", path, lambda pred, out: save_label_png(pred.labels, out, self.vm.palette),
                            "labels")

    def export_overlay(self, path: str | Path | None = None) -> Path | None:
        vm = self.vm

        def write(pred, out):
            rgba = blend(vm.image.rgb, pred.labels, vm.palette, vm.opacity, vm.transparent)
            save_image(rgba, out, "overlay")
        return self._export("Export overlay", "_overlay", path, write, "overlay")

    def _export(self, title: str, suffix: str, path: str | Path | None, write, what: str) -> Path | None:
        """Write the shown result with `write(prediction, path)`; ask for the path when none is given."""
        pred = self.vm.prediction()
        if pred is None:
            return None
        default = str(Path(self.export_folder()) / f"{Path(self.vm.image.name).stem}_{self.vm.head}{suffix}.png")
        path = path or QFileDialog.getSaveFileName(self.dialog_parent, title, default, "PNG (*.png)")[0]
        if not path:
            return None
        try:
            write(pred, path)
        except FileProblem as exc:  # a full disk, a read-only folder: said in the error list, nothing half-written
            self.errors.report(str(exc))
            return None
        path = Path(path)
        self.vm.store.setValue(FOLDER_KEY, str(path.parent))
        head = sentences.head_label(self.vm, self.vm.head)
        self._tell(f"Wrote the {what} of {self.vm.image.name} ({head}) to {path}", path.parent)
        return path

    def export_folder(self) -> str:
        """Where the last export or batch wrote (the image's folder before the first)."""
        return str(self.vm.store.value(FOLDER_KEY, "") or self.last_dir())

    def run_batch(self, sources: list[str | Path] | None = None, out_dir: str | Path | None = None,
                  overwrite: bool | None = None) -> None:
        """Segment `sources` into `out_dir` (both asked for when not given). Outputs that exist
        already: `overwrite` None asks, False refuses (the error names them), True replaces."""
        vm = self.vm
        if vm.entry is None:
            self.errors.report(NO_MODEL_HINT)
            return
        if sources is None:
            folder = QFileDialog.getExistingDirectory(self.dialog_parent, "Folder of images to segment", self.last_dir())
            sources = [folder] if folder else []
        if sources and out_dir is None:
            out_dir = ask_output_folder(self.dialog_parent, "Write labels and overlays into", self.export_folder())
        if not sources or not out_dir:
            return
        job = BatchSegmentJob(vm.session, sources, vm.entry, out_dir, vm.device, opacity=vm.opacity, stitch=vm.stitch,
                              overwrite=bool(overwrite))
        if overwrite is None:
            job.overwrite = self._may_replace(existing_outputs(job.plan(), out_dir, overwrite=True), Path(out_dir))
            if job.overwrite is None:
                return
        vm.store.setValue(FOLDER_KEY, str(out_dir))
        self.jobs_dock.show()
        self.jobs_panel.started(f"segmenting {', '.join(Path(s).name for s in sources)} with {vm.entry.path.name}")
        self.runner.submit(job, yielded=self._on_event, returned=self._done, errored=self._failed)

    def _may_replace(self, existing: set[Path], out_dir: Path) -> bool | None:
        """False when nothing would be replaced; True if the user agrees to replace; None: cancelled."""
        if not existing:
            return False
        box = QMessageBox(QMessageBox.Icon.Question, "Replace files?",
                          f"{len(existing)} output file(s) exist already in {out_dir}. Replace them?",
                          QMessageBox.StandardButton.Cancel, self.dialog_parent)
        replace = box.addButton("Replace", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return True if box.clickedButton() is replace else None

    def cancel_batch(self) -> None:
        self.runner.cancel(Lane.BATCH)
        self.jobs_panel.ended("batch cancelled")

    def _on_event(self, event: object) -> None:
        if isinstance(event, Progress):
            self.jobs_panel.progress(event.done, event.total, event.message)
        elif isinstance(event, ImageFailed):  # listed in the notice at the end, with the others
            log.warning("batch: %s", event.message)
        elif isinstance(event, FileWritten):
            log.info("wrote %s", ", ".join(map(str, event.outputs)))

    def _failed(self, problem: Exception) -> None:
        self.jobs_panel.ended(f"failed: {problem}")
        self.errors.report(problem, "The window stays usable; see the log for details.")

    def _done(self, done: BatchDone | None) -> None:
        """The batch's account: how many of how many, where, and each failure with its reason."""
        if done is None:  # cancelled: cancel_batch said so
            return
        failed = f" (failed: {', '.join(Path(f.path).name for f in done.failed)})" if done.failed else ""
        self.jobs_panel.ended(f"{done.summary} → {done.out_dir}{failed}")
        self.jobs_panel.bar.setRange(0, max(done.total, 1))
        self.jobs_panel.bar.setValue(max(done.total, 1))
        self._tell(f"{done.summary}. Labels and overlays written to {done.out_dir}", done.out_dir,
                   [f.message if Path(f.path).name in f.message else f"{Path(f.path).name}: {f.message}"
                    for f in done.failed])

    def _tell(self, text: str, folder: Path, lines: list[str] = ()) -> None:
        log.info("%s", text)
        if self.status is not None:
            self.status.showMessage(text, STATUS_MS)
        self.notice.show_notice(text, folder, lines)
