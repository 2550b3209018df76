"""Export and batch segmentation of the main window (a mixin: these need its current image,
prediction, palette and runner, but nothing else of it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from ..app import analysis
from ..errors import FileProblem
from ..app.jobs import BatchSegmentJob
from ..images import save_image
from ..palette import save_label_png

NO_MODEL_HINT = "no model: open a model file (Model ▸ Open…)"


class ExportBatchMixin:
    """Mixed into MainWindow: export the shown result as PNGs; segment a folder into files."""

    def export_labels(self, path: str | Path | None = None) -> Path | None:
        return self._export("Export labels", "", path, lambda pred, out: save_label_png(pred.labels, out, self._palette()))

    def export_overlay(self, path: str | Path | None = None) -> Path | None:
        def write(pred, out):
            rgba = analysis.blend(self.current.rgb, pred.labels, self._palette(), self.opacity, self.hidden)
            save_image(rgba, out, "overlay")
        return self._export("Export overlay", "_overlay", path, write)

    def _export(self, title: str, suffix: str, path: str | Path | None, write) -> Path | None:
        """Write the shown result with `write(prediction, path)`; ask for the path when none is given."""
        pred = self.prediction()
        if pred is None:
            return None
        default = f"{Path(self.current.name).stem}_{self.head}{suffix}.png"
        path = path or QFileDialog.getSaveFileName(self, title, default, "PNG (*.png)")[0]
        if not path:
            return None
        try:
            write(pred, path)
        except FileProblem as exc:  # a full disk, a read-only folder: said in the error list, nothing half-written
            self.errors.report(str(exc))
            return None
        return Path(path)

    def run_batch(self, sources: list[str | Path] | None = None, out_dir: str | Path | None = None) -> None:
        if self.entry is None:
            self.errors.report(NO_MODEL_HINT)
            return
        if sources is None:
            folder = QFileDialog.getExistingDirectory(self, "Folder of images to segment", self._last_dir())
            sources = [folder] if folder else []
        if sources and out_dir is None:
            out_dir = QFileDialog.getExistingDirectory(self, "Write labels and overlays into", self._last_dir())
        if not sources or not out_dir:
            return
        self.jobs_dock.show()
        self.jobs_panel.started(f"segmenting {', '.join(Path(s).name for s in sources)} with {self.entry.path.name}")
        self.runner.submit("batch", BatchSegmentJob(self.session, sources, self.entry, out_dir, self.device, opacity=self.opacity))

    def cancel_batch(self) -> None:
        self.runner.cancel("batch")
        self.jobs_panel.ended("batch cancelled")

