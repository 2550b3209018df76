"""Live mode and the uncertainty layer in the window: the wiring around the Qt-free `LiveLoop`.

Every finished edit (`AnnotationSession.events.edited`) hands the loop a copy of the mask and
submits a `LiveJob` on Lane.LIVE, which supersedes the step still waiting: the newest stroke wins.
Its answer is drawn through `ViewModel.show_live` in place of the head's result and the Annotate
dock's live line says "live · N painted images · fit 0.4 s". A new model (a round's, once it ends),
head or label set retargets the loop; while a round trains, its own live answers are the ones
shown. The uncertainty toggle draws the margin of what is shown (the live answer's, or the head
result's scores') on the image view's `UncertaintyLayer`; "Next most uncertain image" (N) ranks the
project's images on the lane and shows the least sure one (the Annotate menu holds its action).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject

from ..app.annotate.live import LiveAnswer, LiveLoop, Ranked, RankJob, margin_of
from ..app.view_model import ViewModel
from ..boxes import Box
from .annotate_control import AnnotateControl
from .image_view import ImageView
from .worker import JobRunner

class LiveControl(QObject):
    """Live refits after each edit, the uncertainty layer and the next-uncertain action."""

    def __init__(self, vm: ViewModel, runner: JobRunner, annotate: AnnotateControl, view: ImageView,
                 open_paths: Callable[[list], None], loop: LiveLoop | None = None):
        super().__init__(annotate)
        self.vm, self.runner, self.annotate, self.view, self.open_paths = vm, runner, annotate, view, open_paths
        self.session, self.state, self.panel = annotate.session, annotate.state, annotate.panel
        self.loop = loop or LiveLoop()
        self.layer = view.uncertainty
        self.answers = 0  # live answers drawn (tests and the benchmark wait on it)
        panel = self.panel
        panel.live.toggled.connect(lambda _: self.retarget())
        panel.uncertainty.toggled.connect(lambda _: self.draw_uncertainty())
        panel.next_uncertain.clicked.connect(self.next_uncertain)
        self.session.events.edited.connect(self._edited)
        for signal in (vm.events.model, vm.events.head, self.state.events.project, self.state.events.classes):
            signal.connect(lambda *_: self.retarget())
        vm.events.image.connect(lambda _: self._step(fit=False))
        vm.events.result.connect(lambda _: self.draw_uncertainty())
        vm.events.shown.connect(self.draw_uncertainty)
        self.retarget()

    @property
    def on(self) -> bool:
        return self.panel.live.isChecked() and self.state.project is not None

    def retarget(self) -> None:
        """The model, head, project or label set changed (or live was toggled): a new head."""
        entry = self.vm.entry
        project = self.state.project
        self.panel.show_live(project is not None)
        self.loop.use(Path(entry.path) if entry is not None and self.on else None, project)
        if isinstance(self.vm.live, LiveAnswer):
            self.vm.show_live(None)
        self.panel.live_status.setText("")
        if self.on and project is not None and project.training_names():
            self._step(fit=False, shown=False)  # the head and its blobs built in the background, nothing shown

    def _edited(self, name: str, box: Box) -> None:
        image, ann = self.vm.image, self.state.annotation
        if not self.on or image is None or ann is None or name != self.state.name:
            return
        self.loop.edited(name, image.rgb, ann.labels.copy())
        self._step(fit=True)

    def _step(self, fit: bool, shown: bool = True) -> None:
        if not self.on or not self.loop.target:
            return
        project, image = self.state.project, self.vm.image if shown else None
        job = self.loop.job(image, self.session.name_of(image), project.held_out_names(), fit)
        self.runner.submit(job, returned=self._answered)

    def _answered(self, answer: LiveAnswer | None) -> None:
        if answer is None or answer.target != self.loop.target or not self.on or self.session.running:
            return  # a step for another model, live switched off, or a round's answers on show
        self.answers += 1
        self.vm.show_live(answer)
        self.panel.live_status.setText(answer.sentence)
        self.draw_uncertainty()

    # ----- uncertainty -------------------------------------------------------------------------
    def draw_uncertainty(self) -> None:
        """The margin of what is shown now, or nothing (toggle off, no answer for this image)."""
        margin = None
        if self.panel.uncertainty.isChecked():
            live = self.vm.live_shown()
            if isinstance(live, LiveAnswer):
                margin = live.margin
            else:
                pred = self.vm.prediction()
                if pred is not None and pred.scores is not None:
                    margin = margin_of(pred.scores)
        self.layer.show_margin(margin)

    def next_uncertain(self) -> None:
        """Rank the project's images (pending strokes fitted first) and show the least sure one."""
        project = self.state.project
        if not self.on or project is None or not project.names:
            self.panel.live_status.setText("next most uncertain image: open a project with live mode on first")
            return
        step = self.loop.job(self.vm.image, self.session.name_of(self.vm.image), project.held_out_names())
        self.panel.live_status.setText("ranking the project's images by uncertainty…")
        self.runner.submit(RankJob(step, project.names), returned=self._ranked)

    def _ranked(self, ranked: Ranked | None) -> None:
        project = self.state.project
        if ranked is None or project is None:
            self.panel.live_status.setText("paint an image first: the uncertainty comes from the live head")
            return
        others = [(n, u) for n, u in zip(ranked.names, ranked.uncertainty) if n != self.state.name]
        if not others:
            return
        name, uncertainty = others[0]
        self.panel.live_status.setText(f"most uncertain: {name} (mean uncertainty {uncertainty:.2f})")
        for image in self.vm.session.images:  # an open photo the project copied counts as its image
            if self.session.name_of(image) == name:
                self.vm.image = image
                return
        self.open_paths([str(project.image_path(name))])
