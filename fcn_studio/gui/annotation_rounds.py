""""Train on my annotations" in the window: rounds in the background, live prediction, results.

A round (RoundJob, Lane.TRAIN) fine-tunes the shown model on the project's painted images while
the user keeps painting. Its events go to the Training dock's plots; each `LiveModel` it sends
re-segments the shown image on Lane.LIVE (skipped while one is still being computed) and the answer goes
to the view model (`show_live`), so the overlay shows the model learning. When the round ends,
its best model joins the model picker and becomes the shown model, and the box reports the
held-out mean IU of the round's last evaluation, per class.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject

from ..app.annotate.jobs import LiveModel, LivePredictJob, RoundDone, RoundJob
from ..app.annotate.workspace import AnnotateState
from ..app.jobs import Lane
from ..app.train_job import Evaluated, StageFinished
from ..app.view_model import ViewModel
from ..errors import WeightFileError
from .annotation_training_box import AnnotationTrainingBox
from .error_dialog import ErrorDialog
from .training_control import stop_training
from .training_plots import TrainingPlots
from .worker import JobRunner

log = logging.getLogger(__name__)


class RoundControl(QObject):
    """Starts and follows rounds for `state`'s project; `show_dock` raises the Training dock."""

    def __init__(self, vm: ViewModel, runner: JobRunner, errors: ErrorDialog, state: AnnotateState,
                 box: AnnotationTrainingBox, plots: TrainingPlots, show_dock: Callable[[], None]):
        super().__init__(box)
        self.vm, self.runner, self.errors, self.state = vm, runner, errors, state
        self.box, self.plots, self.show_dock = box, plots, show_dock
        self.running = False
        self.rounds: list[RoundDone] = []
        self.last_metrics: dict | None = None
        self.live_shown = 0  # live answers drawn (tests and the status line read it)
        box.start_requested.connect(self.start)
        box.cancel_requested.connect(self.cancel)

    def start(self) -> bool:
        project, entry = self.state.project, self.vm.entry
        if project is None:
            self.errors.report("no annotation project is open: File ▸ New annotation project… first")
            return False
        if entry is None:
            self.errors.report("no model to fine-tune: open one first (Model ▸ Open…)")
            return False
        if self.runner.busy(Lane.TRAIN):
            self.errors.report("a training run is going on already; cancel it or wait for it to end")
            return False
        self.show_dock()
        self.running, self.last_metrics = True, None
        self.plots.clear()
        self.plots.status.setText(f"training {entry.path.name} on the painted images of {project.root.name}…")
        self.box.set_running(True)
        job = RoundJob(project, entry.path, self.box.settings(self.vm.device))
        self.runner.submit(job, yielded=self._event, returned=self._done, errored=self._failed, finished=self._finished)
        return True

    def cancel(self) -> None:
        stop_training(self.runner, self.plots)

    def _event(self, event: object) -> None:
        if isinstance(event, LiveModel):
            image = self.vm.image
            # While one live answer is computed, newer weights wait for the next tick: superseding
            # a slow prediction (a big photo) again and again would never show any.
            if image is not None and not self.runner.busy(Lane.LIVE):
                self.runner.submit(LivePredictJob(event, image), returned=self._live)
            return
        if isinstance(event, Evaluated):
            self.last_metrics = event.metrics
        self.plots.show_event(event)
        if isinstance(event, StageFinished) and event.status == "failed":
            self.errors.report(f"training on the annotations failed: {event.message}",
                               "Lower the learning rate or paint more, then train again.")

    def _live(self, live) -> None:
        if self.running and live is not None:
            self.live_shown += 1
            self.vm.show_live(live)

    def _done(self, done: RoundDone) -> None:
        self.running = False
        self.vm.show_live(None)
        self.rounds.append(done)
        name = done.run_dir.name
        self.box.show_round(name, self.last_metrics)
        if Path(done.best_model).is_file():
            try:
                self.vm.model = self.vm.add_model_file(done.best_model)
            except WeightFileError as exc:
                self.errors.report(str(exc))
                return
            self.plots.status.setText(f"{name} {done.result.status}: its model is in the model picker and shown now "
                                      f"({done.run_dir})")

    def _failed(self, problem: Exception) -> None:
        self.running = False
        self.vm.show_live(None)
        self.plots.status.setText(f"training on the annotations failed: {problem}")
        self.errors.report(problem, "Paint some images (or untick “keep for testing” on one), then train again.")

    def _finished(self) -> None:
        self.running = False
        self.box.set_running(False)
