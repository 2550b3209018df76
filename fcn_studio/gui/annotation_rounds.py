""""Train on my annotations" in the window: rounds in the background, live prediction, results.

A round (RoundJob, Lane.TRAIN) fine-tunes the shown model on the project's painted images while
the user keeps painting. Its events go to the Training dock's plots; each `LiveModel` it sends
re-segments the shown image on Lane.LIVE (skipped while one is still being computed) and the answer goes
to the view model (`show_live`), so the overlay shows the model learning. When the round ends,
the model it kept (`kept_model`: the last update unless fully painted test images say otherwise)
joins the model picker under the round's name and becomes the shown model, and the box and the
status line say which update it kept, why, and the held-out score with what it covers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject

from ..app.annotate.round_summary import round_status
from ..app.annotate.jobs import LiveModel, LivePredictJob, LiveResult, RoundDone, RoundJob
from ..app.annotate.session import AnnotationSession, Refused
from ..app.downloads.trunks import start_file, trunk_download
from ..app.jobs import Lane
from ..app.train_job import StageFinished
from ..app.view_model import ViewModel
from ..errors import RecipeError
from .annotation_training_box import AnnotationTrainingBox
from .error_dialog import ErrorDialog
from .model_file import add_model_file
from .training_control import stop_training
from .training_plots import TrainingPlots
from .trunk_download import download_then, say_in
from .worker import JobHandle, JobRunner


class RoundControl(QObject):
    """Starts and follows rounds of `session`'s project (the session keeps their results);
    `show_dock` raises the Training dock."""

    def __init__(self, vm: ViewModel, runner: JobRunner, errors: ErrorDialog, session: AnnotationSession,
                 box: AnnotationTrainingBox, plots: TrainingPlots, show_dock: Callable[[], None]):
        super().__init__(box)
        self.vm, self.runner, self.errors, self.session = vm, runner, errors, session
        self.box, self.plots, self.show_dock = box, plots, show_dock
        self.fetching: JobHandle | None = None  # a catalogue trunk's download before the round
        self.takeover: Callable | None = None  # live mode's refit head, where a round starts (the window sets it)
        box.start_requested.connect(self.start)
        box.cancel_requested.connect(self.cancel)

    def start(self) -> bool:
        entry = self.vm.entry
        settings = self.box.settings(self.vm.device)
        try:
            model = start_file(settings.start_from, entry.path if entry is not None else None)
            job = self.session.round_job(model, settings, self.takeover)
            download = trunk_download(settings.start_from) if settings.start_from else None
        except (Refused, RecipeError) as exc:
            self.errors.report(exc)
            return False
        if self.runner.busy(Lane.TRAIN) or self.fetching is not None:
            self.errors.report("a training run is going on already; cancel it or wait for it to end")
            return False
        self.show_dock()
        self.plots.clear()
        self.box.set_running(True)
        if download is None:
            self._run(job)
        else:  # a catalogue trunk not here yet: its download first (issue 28)
            self.fetching = download_then(self.runner, download, say_in(self.plots.status, self.plots.progress),
                                          then=lambda: self._run(job), failed=self._download_failed,
                                          finished=self._downloaded)
        return True

    def _run(self, job: RoundJob) -> None:
        self.session.round_started()
        self.plots.status.setText(f"training {job.model_path.name} on the painted images of {job.project.root.name}…")
        self.runner.submit(job, yielded=self._event, returned=self._done, errored=self._failed, finished=self._finished)

    def cancel(self) -> None:
        if self.fetching is not None:  # the trunk's download: the round never starts
            self.fetching.cancel()
            return
        stop_training(self.runner, self.plots)

    def _download_failed(self, problem: Exception) -> None:
        self.plots.status.setText(f"the trunk's download failed, the round did not start: {problem}")
        self.errors.report(problem, "Without a network: File ▸ Get models… ▸ Import from file…, then train again.")

    def _downloaded(self) -> None:
        self.fetching = None
        self.box.start_from.show_trunks()
        if not self.runner.busy(Lane.TRAIN):
            self.box.set_running(False)

    def _event(self, event: object) -> None:
        if isinstance(event, LiveModel):
            image = self.vm.image
            # While one live answer is computed, newer weights wait for the next tick: superseding
            # a slow prediction (a big photo) again and again would never show any.
            if image is not None and not self.runner.busy(Lane.LIVE):
                self.runner.submit(LivePredictJob(event, image), returned=self._live)
            return
        self.session.round_event(event)
        self.plots.show_event(event)
        if isinstance(event, StageFinished) and event.status == "failed":
            self.errors.report(f"training on the annotations failed: {event.message}",
                               "Lower the learning rate or paint more, then train again.")

    def _live(self, live: LiveResult | None) -> None:
        if self.session.running and live is not None:
            self.vm.show_live(live)

    def _done(self, done: RoundDone) -> None:
        self.session.round_done(done)
        self.vm.show_live(None)
        name = done.run_dir.name
        self.box.show_round(name, done.note, self.session.last_metrics)
        if done.note is not None and Path(done.best_model).is_file():
            entry = add_model_file(self.vm, done.best_model, self.errors)
            if entry is None:
                return
            self.vm.model = entry
            self.plots.status.setText(f"{round_status(name, done.note)} — {done.result.status}; its model is in the "
                                      f"model picker and shown now ({done.run_dir})")

    def _failed(self, problem: Exception) -> None:
        self.session.round_ended()
        self.vm.show_live(None)
        self.plots.status.setText(f"training on the annotations failed: {problem}")
        self.errors.report(problem, "Paint some images (or untick “keep for testing” on one), then train again.")

    def _finished(self) -> None:
        self.session.round_ended()
        self.box.set_running(False)
