"""Training and evaluation in the window: the Training dock's choices become TrainJob / EvalJob
(Lane.TRAIN and Lane.EVAL, each its own thread), and their events come back as plot points, a
progress bar, new models in the picker, and the evaluation dialog.

Cancel asks the running job to stop through its handle (the trainer saves a checkpoint and reports
"cancelled"); it does not drop the job's events, so the panel still sees how the stage ended.
Quitting while a run trains asks first (`confirm_quit`); a run so interrupted is remembered, and
offered for resuming at the next launch until it is resumed, dismissed or has finished.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox, QWidget

from ..errors import RecipeError
from ..app.catalog import ModelEntry, backbone_of_arch
from ..app.eval_job import EvalDone, EvalJob
from ..app import note_rules
from ..app.jobs import Lane
from ..app.run_history import RunHistory
from ..app.train_job import StageFinished, StepDone, TrainConfig, TrainDone, TrainJob, checkpoint_of, read_config
from ..app.view_model import ViewModel
from .error_dialog import ErrorDialog
from .eval_dialog import EvalDialog
from .model_file import add_model_file
from .training_panel import TrainingPanel
from .worker import JobRunner

log = logging.getLogger(__name__)

LANES = (Lane.TRAIN, Lane.EVAL)


class TrainingControl(QObject):
    """Runs what the Training dock (`dock`, holding `panel`) asks for, with `vm`'s model and device."""

    def __init__(self, vm: ViewModel, runner: JobRunner, errors: ErrorDialog, panel: TrainingPanel, dock: QDockWidget):
        super().__init__(dock)
        self.vm, self.runner, self.errors = vm, runner, errors
        self.panel, self.dock = panel, dock
        self.eval_dialog = EvalDialog(dock.parentWidget())
        self.run_dir: Path | None = None
        self.best_entry: ModelEntry | None = None
        self.results: list[StageFinished] = []
        self.last_eval: EvalDone | None = None
        self.last_step: StepDone | None = None
        form = self.panel.form
        form.start_requested.connect(self.start)
        form.cancel_requested.connect(self.cancel)
        form.resume_requested.connect(self.resume)
        form.open_run_requested.connect(self.open_run_folder)
        self.panel.use_best_requested.connect(self.use_best)

    # ----- starting and stopping ---------------------------------------------------------------
    def show(self) -> None:
        first = not self.dock.isVisible()
        self.dock.show()
        self.dock.raise_()
        window = self.dock.parentWidget()
        if first and isinstance(window, QMainWindow):  # the plots need some height; the image keeps the rest
            window.resizeDocks([self.dock], [330], Qt.Orientation.Vertical)

    def config(self) -> TrainConfig:
        """The form's choices as a TrainConfig (RecipeError if they do not make one).

        A stage from the current model continues that model's trunk, whatever the Backbone combo says.
        """
        form = self.panel.form
        stage, from_current = form.chosen_stage()
        init, backbone, init_optimizer = "", form.chosen_backbone(), None
        if from_current:
            entry = self.vm.entry
            if entry is None:
                raise RecipeError(None, f"{form.stage.currentText()} needs a current model; open one first (Model ▸ Open…)")
            init = str(entry.path)
            backbone = backbone_of_arch(entry.info.arch) or backbone
            init_optimizer = entry.info.recipe.get("optimizer")
        return TrainConfig(data=form.data.text().strip(), out=str(form.run_folder()),
                           recipe=form.chosen_recipe(init_optimizer),
                           stage=stage, width=form.width.value(), init=init, backbone=backbone,
                           device=form.device.currentText())

    def start(self) -> None:
        if self.busy(Lane.TRAIN):
            return
        try:
            config = self.config()
        except RecipeError as exc:
            self.errors.report(str(exc), "Change the training form and press Start again.")
            return
        self.panel.form.set_backbone(config.backbone)  # the trunk trained, also when the current model chose it
        self._begin(Path(config.out), f"starting {config.stage} in {config.out}")
        self._train(TrainJob(config))

    def resume(self, run_dir: str | Path) -> None:
        if self.busy(Lane.TRAIN):
            return
        try:
            self.panel.form.show_config(read_config(run_dir))
        except RecipeError:
            pass  # not a run folder: the job says so, naming the file
        note_rules.forget_interrupted(self.vm.store, run_dir)
        self._begin(Path(run_dir), f"resuming {run_dir}")
        self._train(TrainJob(run_dir=run_dir))

    def cancel(self) -> None:
        for handle in self.runner.handles(Lane.TRAIN):
            handle.cancel()
        self.panel.plots.status.setText("cancelling: finishing this update and saving a checkpoint…")

    def evaluate(self, data: str | Path | None = None, split: str | None = None) -> None:
        """Run ▸ Evaluate: the shown model on a dataset split (the form's dataset by default)."""
        entry = self.vm.entry
        if entry is None:
            self.errors.report("no model to evaluate: open a model file (Model ▸ Open…)")
            return
        form = self.panel.form
        if data is None:
            data = form.check.folder if form.check.ok else QFileDialog.getExistingDirectory(self.dock, "Evaluate on dataset folder")
            if not data:
                return
        if split is None:
            split = "val" if form.check.counts.get("val") or not form.check.ok else "train"
        self.show()
        self.panel.plots.status.setText(f"evaluating {entry.path.name} on {data} ({split})…")
        self.runner.submit(EvalJob(entry.path, data, split, self.vm.device), yielded=self.panel.plots.show_event,
                           returned=self._evaluated, errored=lambda problem: self._failed(Lane.EVAL, problem))

    def quit_question(self) -> str:
        """What to ask before quitting while this run trains."""
        step, run = self.last_step, self.run_dir or Path(".")
        where = f"iteration {step.iteration} of {step.iterations}" if step else "no update finished yet"
        checkpoint = checkpoint_of(run, step.stage) if step else checkpoint_of(run, "32s")
        return (f"Training is running ({where}). Quit and keep the checkpoint at {checkpoint}? "
                "You can resume it at the next launch.")

    def confirm_quit(self, parent: QWidget) -> bool:
        """Ask (Quit / Cancel) when a run trains; on Quit remember it for the next launch."""
        if not self.busy(Lane.TRAIN):
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Quit while training?", self.quit_question(),
                          QMessageBox.StandardButton.Cancel, parent)
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is not quit_button:
            return False
        if self.run_dir is not None:
            note_rules.remember_interrupted(self.vm.store, self.run_dir)
        return True

    def busy(self, lane: Lane | None = None) -> bool:
        return any(self.runner.busy(name) for name in ((lane,) if lane else LANES))

    def open_run_folder(self) -> None:
        if self.run_dir is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.run_dir)))

    def use_best(self) -> None:
        if self.best_entry is not None:
            self.vm.model = self.best_entry

    # ----- events ------------------------------------------------------------------------------
    def _train(self, job: TrainJob) -> None:
        self.runner.submit(job, yielded=self._on_event, returned=self._trained,
                           errored=lambda problem: self._failed(Lane.TRAIN, problem), finished=self._finished)

    def _begin(self, run_dir: Path, message: str) -> None:
        self.show()
        self.run_dir, self.results, self.last_step = run_dir, [], None
        self.panel.plots.clear()
        self.panel.plots.status.setText(message)
        self.panel.no_best()
        self.panel.form.set_running(True)
        self.panel.form.open_run.setEnabled(True)

    def _on_event(self, event: object) -> None:
        if isinstance(event, RunHistory):  # a resume: its earlier points first, then the new ones
            self.panel.plots.show_history(event.events)
            return
        self.panel.plots.show_event(event)
        if isinstance(event, StepDone):
            self.last_step = event
        if isinstance(event, StageFinished):
            self._stage_finished(event)

    def _trained(self, done: TrainDone) -> None:
        self.results = done.results
        if self.run_dir is not None and done.results and all(r.status == "done" for r in done.results):
            note_rules.forget_interrupted(self.vm.store, self.run_dir)

    def _evaluated(self, done: EvalDone | None) -> None:
        if done is None:  # cancelled
            return
        self.last_eval = done
        self.panel.plots.progress.setValue(100)
        self.panel.plots.status.setText(f"evaluated {Path(done.model).name}: mean IU {done.metrics['mean_iu']:.4f}")
        self.eval_dialog.show_metrics(done.model, done.data, done.split, done.metrics)

    def _stage_finished(self, event: StageFinished) -> None:
        if event.status == "failed":
            self.errors.report(f"training {event.stage} failed: {event.message}",
                               "Lower the learning rate or check the data, then Resume or Start again.")
        if event.best_model and Path(event.best_model).is_file():
            entry = add_model_file(self.vm, event.best_model, self.errors)
            if entry is None:
                return
            self.best_entry = entry
            self.panel.offer_best(entry.label)

    def _failed(self, lane: Lane, problem: Exception) -> None:
        self.panel.plots.status.setText(f"{lane.value} failed: {problem}")
        self.errors.report(problem, "The window stays usable; see the log for details.")

    def _finished(self) -> None:
        if not self.busy(Lane.TRAIN):
            self.panel.form.set_running(False)
