"""Training and evaluation in the window: wiring only. The Training dock's choices go to the
`TrainingSession` (app/training_session.py), which decides what a run is and keeps its state; the
TrainJob / EvalJob it returns run on Lane.TRAIN and Lane.EVAL, and their events come back as plot
points, a progress bar, new models in the picker, and the evaluation dialog.

A run from a catalogue trunk that is not here yet downloads it first (`trunk_download`), its
progress in the dock's status line; Cancel then stops the download, and the run never starts.
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

from ..app.eval_job import EvalDone
from ..app.jobs import Lane
from ..app.run_history import RunHistory
from ..app.train_job import StageFinished, TrainConfig, TrainJob, read_config
from ..app.training_session import TrainingSession
from ..app.view_model import ViewModel
from ..errors import RecipeError
from .error_dialog import ErrorDialog
from .eval_dialog import EvalDialog
from .model_file import add_model_file
from .training_panel import TrainingPanel
from .training_plots import TrainingPlots
from .trunk_download import download_then, say_in
from .worker import JobHandle, JobRunner

log = logging.getLogger(__name__)

LANES = (Lane.TRAIN, Lane.EVAL)
DOCK_HEIGHT = 330  # the plots need some height; the image keeps the rest


def stop_training(runner: JobRunner, plots: TrainingPlots) -> None:
    """Ask whatever trains (a dataset run, a round on the annotations) to stop at its next update;
    its events still arrive, so the plots see how the stage ended."""
    for handle in runner.handles(Lane.TRAIN):
        handle.cancel()
    plots.status.setText("cancelling: finishing this update and saving a checkpoint…")


class TrainingControl(QObject):
    """Runs what the Training dock (`dock`, holding `panel`) asks for, with `vm`'s model and device."""

    def __init__(self, vm: ViewModel, runner: JobRunner, errors: ErrorDialog, panel: TrainingPanel, dock: QDockWidget):
        super().__init__(dock)
        self.vm, self.runner, self.errors = vm, runner, errors
        self.panel, self.dock = panel, dock
        self.session = TrainingSession(vm.store)
        self.fetching: JobHandle | None = None  # the chosen trunk's download, before the run
        self.eval_dialog = EvalDialog(dock.parentWidget())
        form = self.panel.form
        form.resume_start = lambda: str(self.session.resume_suggestion())
        form.start.clicked.connect(self.start)
        form.cancel.clicked.connect(self.cancel)
        form.resume_requested.connect(self.resume)
        form.open_run.clicked.connect(self.open_run_folder)
        self.panel.use_best_requested.connect(self.use_best)

    def restore(self, device: str) -> None:
        """Take up the window's device (its defaults) and then the form as last started."""
        form = self.panel.form
        form.device.setCurrentText(device)
        form.set_defaults(device)
        remembered = self.session.remembered()
        if remembered is not None:
            form.recall(remembered)

    # ----- starting and stopping ---------------------------------------------------------------
    def show(self) -> None:
        """Show the dock on the dataset form (Run ▸ Train…)."""
        self.show_dock()
        self.panel.tabs.setCurrentWidget(self.panel.dataset_tab)

    def show_dock(self) -> None:
        first = not self.dock.isVisible()
        self.dock.show()
        self.dock.raise_()
        window = self.dock.parentWidget()
        if first and isinstance(window, QMainWindow):
            window.resizeDocks([self.dock], [DOCK_HEIGHT], Qt.Orientation.Vertical)

    def config(self) -> TrainConfig:
        """The form's choices as the session makes them a TrainConfig (RecipeError if they make none)."""
        return self.session.config(self.panel.form.choices(), self.vm.entry)

    def start(self) -> None:
        """Start the run the form describes; a catalogue trunk not here yet is downloaded first."""
        if self.busy(Lane.TRAIN) or self.fetching is not None:
            return
        form = self.panel.form
        try:
            config = self.config()
            download = self.session.download_for(form.choices())
        except RecipeError as exc:
            self.errors.report(exc, "Change the training form and press Start again.")
            return
        self.session.remember(form.remembered())
        form.set_backbone(config.backbone)  # the trunk trained, also when the current model chose it
        if download is None:
            self._train(self.session.start(config), f"starting {config.stage} in {config.out}")
            return
        self.show()
        self.panel.plots.clear()
        form.set_running(True)
        self.fetching = download_then(
            self.runner, download, say_in(self.panel.plots.status, self.panel.plots.progress),
            then=lambda: self._train(self.session.start(config), f"starting {config.stage} in {config.out}"),
            failed=self._download_failed, finished=self._downloaded)

    def resume(self, run_dir: str | Path) -> None:
        if self.busy(Lane.TRAIN):
            return
        try:
            self.panel.form.show_config(read_config(run_dir))
        except RecipeError:
            pass  # not a run folder: the job says so, naming the file
        self._train(self.session.resume(run_dir), f"resuming {run_dir}")

    def cancel(self) -> None:
        if self.fetching is not None:  # the trunk's download: the run never starts
            self.fetching.cancel()
            return
        stop_training(self.runner, self.panel.plots)

    def evaluate(self, data: str | Path | None = None, split: str | None = None) -> None:
        """Run ▸ Evaluate: the shown model on a dataset split (the form's dataset by default)."""
        entry = self.vm.entry
        if entry is None:
            self.errors.report("no model to evaluate: open a model file (Model ▸ Open…)")
            return
        check = self.panel.form.check
        if data is None:
            data = check.folder if check.ok else QFileDialog.getExistingDirectory(self.dock, "Evaluate on dataset folder")
            if not data:
                return
        if split is None:
            split = "val" if check.counts.get("val") or not check.ok else "train"
        self.show_dock()
        self.panel.plots.status.setText(f"evaluating {entry.path.name} on {data} ({split})…")
        self.runner.submit(self.session.evaluation(entry, data, split, self.vm.device),
                           yielded=self.panel.plots.show_event, returned=self._evaluated,
                           errored=lambda problem: self._failed(Lane.EVAL, problem))

    def confirm_quit(self, parent: QWidget) -> bool:
        """Ask (Quit / Cancel) when a run trains; on Quit remember it for the next launch."""
        if not self.busy(Lane.TRAIN):
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Quit while training?", self.session.quit_question(),
                          QMessageBox.StandardButton.Cancel, parent)
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        if box.clickedButton() is not quit_button:
            return False
        self.session.interrupted()
        return True

    def busy(self, lane: Lane | None = None) -> bool:
        return any(self.runner.busy(name) for name in ((lane,) if lane else LANES))

    def open_run_folder(self) -> None:
        if self.session.run_dir is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.session.run_dir)))

    def use_best(self) -> None:
        if self.session.best_model is not None:
            self.vm.model = self.vm.add_model_file(self.session.best_model)  # the entry added when it was saved

    # ----- events ------------------------------------------------------------------------------
    def _train(self, job: TrainJob, message: str) -> None:
        self.show()
        panel = self.panel
        panel.plots.clear()
        panel.plots.status.setText(message)
        panel.no_best()
        panel.form.set_running(True)
        panel.form.open_run.setEnabled(True)
        self.runner.submit(job, yielded=self._on_event, returned=self.session.trained,
                           errored=lambda problem: self._failed(Lane.TRAIN, problem), finished=self._finished)

    def _on_event(self, event: object) -> None:
        if isinstance(event, RunHistory):  # a resume: its earlier points first, then the new ones
            self.panel.plots.show_history(event.events)
            return
        self.session.take(event)
        self.panel.plots.show_event(event)
        if isinstance(event, StageFinished):
            self._stage_finished(event)

    def _evaluated(self, done: EvalDone | None) -> None:
        if self.session.evaluated(done) is None:  # cancelled
            return
        self.panel.plots.progress.setValue(100)
        self.panel.plots.status.setText(f"evaluated {Path(done.model).name}: mean IU {done.metrics['mean_iu']:.4f}")
        self.eval_dialog.show_metrics(done.model, done.data, done.split, done.metrics)

    def _stage_finished(self, event: StageFinished) -> None:
        if event.status == "failed":
            self.errors.report(f"training {event.stage} failed: {event.message}",
                               "Lower the learning rate or check the data, then Resume or Start again.")
        if self.session.best_model is not None and event.best_model:
            entry = add_model_file(self.vm, self.session.best_model, self.errors)
            if entry is None:
                self.session.best_model = None
                return
            self.panel.offer_best(entry.label)

    def _download_failed(self, problem: Exception) -> None:
        self.panel.plots.status.setText(f"the trunk's download failed, the run did not start: {problem}")
        self.errors.report(problem, "Without a network: File ▸ Get models… ▸ Import from file…, then Start again.")

    def _downloaded(self) -> None:
        self.fetching = None
        form = self.panel.form
        form.show_trunks()  # "ready" now, or still "not here"
        if not self.busy(Lane.TRAIN):
            form.set_running(False)

    def _failed(self, lane: Lane, problem: Exception) -> None:
        self.panel.plots.status.setText(f"{lane.value} failed: {problem}")
        self.errors.report(problem, "The window stays usable; see the log for details.")

    def _finished(self) -> None:
        if not self.busy(Lane.TRAIN):
            self.session.finished()
            self.panel.form.set_running(False)
