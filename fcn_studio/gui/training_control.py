"""Training and evaluation in the window: the Training dock's choices become TrainJob / EvalJob on
the window's JobRunner (lanes "train" and "eval", each its own thread), and their events come
back as plot points, a progress bar, new models in the picker, and the evaluation dialog.

Cancel asks the running job to stop (the trainer saves a checkpoint and reports "cancelled");
it does not drop the job's events, so the panel still sees how the stage ended.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from ..errors import RecipeError, WeightFileError
from ..app.catalog import ModelEntry, backbone_of_arch
from ..app.training_jobs import EvalDone, EvalJob, RunHistory, TrainDone, TrainJob
from ..training import StageFinished, TrainConfig
from .eval_dialog import EvalDialog
from .training_panel import TrainingPanel

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)

LANES = ("train", "eval")


class TrainingControl(QObject):
    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self.w = window
        self.panel = TrainingPanel()
        self.dock = window._dock("Training", self.panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.dock.hide()
        self.eval_dialog = EvalDialog(window)
        self.run_dir: Path | None = None
        self.best_entry: ModelEntry | None = None
        self.results: list[StageFinished] = []
        self.last_eval: EvalDone | None = None
        form = self.panel.form
        form.device.setCurrentText(window.device)
        form.start_requested.connect(self.start)
        form.cancel_requested.connect(self.cancel)
        form.resume_requested.connect(self.resume)
        form.open_run_requested.connect(self.open_run_folder)
        self.panel.use_best_requested.connect(self.use_best)
        window.runner.yielded.connect(self._on_event)
        window.runner.errored.connect(self._on_error)
        window.runner.finished.connect(self._on_finished)

    # ----- starting and stopping ---------------------------------------------------------------
    def show(self) -> None:
        first = not self.dock.isVisible()
        self.dock.show()
        self.dock.raise_()
        if first:  # the plots need some height; the image keeps the rest
            self.w.resizeDocks([self.dock], [330], Qt.Orientation.Vertical)

    def config(self) -> TrainConfig:
        """The form's choices as a TrainConfig (RecipeError if they do not make one).

        A stage from the current model continues that model's trunk, whatever the Backbone combo says.
        """
        form = self.panel.form
        stage, from_current = form.chosen_stage()
        init, backbone = "", form.chosen_backbone()
        if from_current:
            if self.w.entry is None:
                raise RecipeError(None, f"{form.stage.currentText()} needs a current model; open one first (Model ▸ Open…)")
            init = str(self.w.entry.path)
            backbone = backbone_of_arch(self.w.entry.info.arch) or backbone
        return TrainConfig(data=form.data.text().strip(), out=str(form.run_folder()), recipe=form.chosen_recipe(),
                           stage=stage, width=form.width.value(), init=init, backbone=backbone,
                           device=form.device.currentText())

    def start(self) -> None:
        if self.busy("train"):
            return
        try:
            config = self.config()
        except RecipeError as exc:
            self.w.errors.report(str(exc), "Change the training form and press Start again.")
            return
        self.panel.form.set_backbone(config.backbone)  # the trunk trained, also when the current model chose it
        self._begin(Path(config.out), f"starting {config.stage} in {config.out}")
        self.w.runner.submit("train", TrainJob(config))

    def resume(self, run_dir: str | Path) -> None:
        if self.busy("train"):
            return
        self._begin(Path(run_dir), f"resuming {run_dir}")
        self.w.runner.submit("train", TrainJob(run_dir=run_dir))

    def cancel(self) -> None:
        for job in self.w.runner.jobs("train"):
            job.cancel()
        self.panel.plots.status.setText("cancelling: finishing this update and saving a checkpoint…")

    def evaluate(self, data: str | Path | None = None, split: str | None = None) -> None:
        """Run ▸ Evaluate: the shown model on a dataset split (the form's dataset by default)."""
        entry = self.w.entry
        if entry is None:
            self.w.errors.report("no model to evaluate: open a model file (Model ▸ Open…)")
            return
        form = self.panel.form
        if data is None:
            data = form.check.folder if form.check.ok else QFileDialog.getExistingDirectory(self.w, "Evaluate on dataset folder")
            if not data:
                return
        if split is None:
            split = "val" if form.check.counts.get("val") or not form.check.ok else "train"
        self.show()
        self.panel.plots.status.setText(f"evaluating {entry.path.name} on {data} ({split})…")
        self.w.runner.submit("eval", EvalJob(entry.path, data, split, self.w.device))

    def busy(self, lane: str | None = None) -> bool:
        return any(self.w.runner.busy(name) for name in ((lane,) if lane else LANES))

    def open_run_folder(self) -> None:
        if self.run_dir is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.run_dir)))

    def use_best(self) -> None:
        if self.best_entry is not None:
            self.w.set_model(self.best_entry)

    # ----- events ------------------------------------------------------------------------------
    def _begin(self, run_dir: Path, message: str) -> None:
        self.show()
        self.run_dir, self.results = run_dir, []
        self.panel.plots.clear()
        self.panel.plots.status.setText(message)
        self.panel.no_best()
        self.panel.form.set_running(True)
        self.panel.form.open_run.setEnabled(True)

    def _on_event(self, lane: str, event: object) -> None:
        if lane == "eval":
            if isinstance(event, EvalDone):
                self.last_eval = event
                self.panel.plots.progress.setValue(100)
                self.panel.plots.status.setText(f"evaluated {Path(event.model).name}: mean IU {event.metrics['mean_iu']:.4f}")
                self.eval_dialog.show_metrics(event.model, event.data, event.split, event.metrics)
            else:
                self.panel.plots.show_event(event)
            return
        if lane != "train":
            return
        if isinstance(event, RunHistory):  # a resume: its earlier points first, then the new ones
            self.panel.plots.show_history(event.events)
            return
        self.panel.plots.show_event(event)
        if isinstance(event, StageFinished):
            self._stage_finished(event)
        elif isinstance(event, TrainDone):
            self.results = event.results

    def _stage_finished(self, event: StageFinished) -> None:
        if event.status == "failed":
            self.w.errors.report(f"training {event.stage} failed: {event.message}",
                                 "Lower the learning rate or check the data, then Resume or Start again.")
        if event.best_model and Path(event.best_model).is_file():
            try:
                entry = self.w.session.model_file(event.best_model)
            except WeightFileError as exc:
                self.w.errors.report(str(exc))
                return
            self.best_entry = entry
            self.w._fill_models()
            if entry.path in {e.path for e in self.w.family.values()}:
                self.w.set_model(self.w.entry if self.w.entry.path != entry.path else entry)  # reread
            else:
                self.w._sync_controls()
            self.panel.offer_best(entry.label)

    def _on_error(self, lane: str, message: str) -> None:
        if lane in LANES:
            self.panel.plots.status.setText(f"{lane} failed: {message}")

    def _on_finished(self, lane: str) -> None:
        if lane == "train" and not self.busy("train"):
            self.panel.form.set_running(False)
