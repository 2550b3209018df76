"""The annotation workflow without Qt: one object from "new project" to "close", rounds included.

`AnnotationSession` decides what the annotate mode does; the window only asks the user, draws
and runs the jobs it is handed. It owns the evented `AnnotateState` the widgets bind to and

- creates and opens projects (`create`, `open`: what the window is to show and report),
- decides when an image joins a project: only the images the user chose (`add_images`), and one
  painted on from outside only once the user agreed (`annotation_for(..., add=True)`; without it
  `Outside` says what would happen); takes images out (`remove`, files kept),
- describes each image for the image list (`image_state`: painted fraction, test flag, fully
  painted, the round that last predicted it),
- commits edits: undo, redo and accepting the prediction return an `Outcome` (the box changed and
  the sentence for the status line); every committed change, the paint tool's strokes included
  (`commit`), is announced once by `events.edited(name, box)` — the window redraws that box and
  saves the mask, and a live loop can refit on it,
- keeps what saving has reported (one dialog per problem, "saved again" when it heals) and
  writes what is pending when the project closes (`unsaved_on_close`),
- starts training rounds (`round_job`) and keeps their results (`rounds`, `last_metrics`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
from psygnal import Signal, SignalGroup

from ...data.classes import ClassList
from ...engine import Prediction
from ...errors import FileProblem, MaskProblem
from ..session import OpenImage
from ..train_job import Evaluated
from .annotation import Annotation
from .jobs import RoundDone, RoundJob, SaveMaskJob
from .project import AnnotationProject
from ...boxes import Box
from .raster import EMPTY
from .training import AnnotationTraining
from .image_state import ImageState
from .workspace import AnnotateState, name_lut

NO_PROJECT = "no annotation project is open: File ▸ New annotation project… first"


class Refused(Exception):
    """Why the session cannot do what was asked here and now (a sentence for the status line or a
    dialog: nothing is wrong with any file)."""


class Outside(Refused):
    """Painting (or accepting) would add an image that is not in the project: the window asks first."""


class Step(Enum):
    """A move through the undo history; its value names it in messages."""

    UNDO = "undo"
    REDO = "redo"

    @property
    def nothing(self) -> str:
        return f"nothing to {self.value}"


@dataclass(frozen=True)
class Outcome:
    """What an edit changed (EMPTY: nothing) and what to tell the user ("" : nothing to say)."""

    box: Box = EMPTY
    message: str = ""


@dataclass
class Added:
    """Open images put into a project: their names, those without a file, those refused."""

    names: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def skipped_text(self) -> str:
        return f"not added (no file; save them first): {', '.join(self.skipped)}" if self.skipped else ""


@dataclass
class Opened:
    """A project just opened: its rounds' models (for the model picker), the masks that cannot be
    used (reported, left as they are) and its image files (for the window to open)."""

    project: AnnotationProject
    models: list[Path]
    problems: list[FileProblem]
    images: list[Path]


class SessionEvents(SignalGroup):
    edited = Signal(str, object)  # image name, Box: a committed change of that image's annotation
    changed = Signal(str)  # image name: what the image list says of it changed (saved, a flag, removed, predicted)


class AnnotationSession:
    """The annotate mode's workflow; see the module doc. `state` is what the widgets bind to."""

    def __init__(self, state: AnnotateState | None = None):
        self.state = state if state is not None else AnnotateState()
        self.events = SessionEvents()
        self.sources: dict[str, str] = {}  # resolved path of an added photo → its project name
        self.reported: dict[str, str] = {}  # image name → the save problem already shown for it
        self.rounds: list[RoundDone] = []
        self.running = False  # a round trains
        self.last_metrics: dict | None = None  # the held-out metrics of the running (or last) round
        self.predicted_by: dict[str, str] = {}  # image name → the round whose model last predicted it
        self._painted: dict[str, float] = {}  # image name → painted fraction (dropped on each edit)

    @property
    def project(self) -> AnnotationProject | None:
        return self.state.project

    def _project(self) -> AnnotationProject:
        if self.state.project is None:
            raise Refused(NO_PROJECT)
        return self.state.project

    # ----- projects ----------------------------------------------------------------------------
    def create(self, folder: str | os.PathLike, classes: ClassList) -> AnnotationProject:
        """A new project in an empty folder (DatasetError otherwise), now the open one."""
        project = AnnotationProject.create(folder, classes)
        self.use(project)
        return project

    def open(self, folder: str | os.PathLike) -> Opened:
        """Open a project: masks that cannot be used are listed, not dropped."""
        project = AnnotationProject.open(folder)
        self.use(project)
        return Opened(project, project.round_models(), project.check(), [project.image_path(n) for n in project.names])

    def use(self, project: AnnotationProject | None) -> None:
        state = self.state
        self.sources, self.reported, self.predicted_by, self._painted = {}, {}, {}, {}
        state.annotation = state.name = None
        state.project = project
        state.set_classes(project.classes if project is not None else None)

    # ----- images ------------------------------------------------------------------------------
    def name_of(self, image: OpenImage | None) -> str | None:
        """The project name of a shown image: one of the project's own files (images/…), or a
        photo added from that path in this session. None when it is not in the project."""
        project = self.state.project
        if project is None or image is None or image.path is None:
            return None
        path = image.path.resolve()
        for name in project.names:
            if project.image_path(name).resolve() == path:
                return name
        return self.sources.get(str(path))

    def add(self, image: OpenImage) -> str:
        """Copy a shown image into the project (blank mask); its project name."""
        project = self._project()
        if image.path is None:
            raise Refused("a pasted image has no file to add to the project; save it first")
        name = project.add_image(image.path)
        self.sources[str(image.path.resolve())] = name
        return name

    def outside(self, image: OpenImage | None) -> bool:
        """True when painting on `image` would add it: a project is open, the image has a file, it
        is not in the project."""
        return self.state.project is not None and image is not None and image.path is not None \
            and self.name_of(image) is None

    def add_images(self, images: Iterable[OpenImage]) -> Added:
        """"Make a model for your own images": the images the user chose join; the brush is chosen."""
        added = Added()
        for image in images:
            if image.path is None:
                added.skipped.append(image.name)
                continue
            try:
                added.names.append(self.add(image))
            except FileProblem as exc:
                added.problems.append(exc)
        self.state.tool = "brush"
        return added

    def remove(self, name: str) -> Path:
        """Take an image out of the project (its files move to ROOT/removed/); where they went."""
        kept = self._project().remove_image(name)
        self.sources = {k: v for k, v in self.sources.items() if v != name}
        for kept_of in (self.reported, self.predicted_by, self._painted):
            kept_of.pop(name, None)
        if self.state.name == name:
            self.state.annotation = self.state.name = None
        self.events.changed.emit(name)
        return kept

    def show(self, image: OpenImage | None) -> Annotation | None:
        """Make the shown image's annotation current (None if it is not in the project).
        A broken mask raises MaskProblem naming it, with the annotation left unset."""
        state = self.state
        state.name = self.name_of(image)
        try:
            ann = state.project.annotation(state.name) if state.name is not None else None
        except MaskProblem:
            state.annotation = None
            raise
        state.annotation = ann  # set once: the layer recolours the whole image on each new value
        return ann

    def set_aside(self, image: OpenImage | None) -> Path:
        """Keep the shown image's broken mask as <mask>.broken and start it afresh."""
        kept = self._project().set_aside(self.state.name)
        self.show(image)
        return kept

    def annotation_for(self, image: OpenImage | None, add: bool = False) -> Annotation:
        """The shown image's annotation to paint on. An image outside the project joins only with
        `add` (the user agreed): otherwise `Outside` says so. Refused says why not (no project, a
        refused mask, no file)."""
        state = self.state
        if state.annotation is not None:
            return state.annotation
        self._project()
        if image is None:
            raise Refused("no image is shown")
        if state.name is not None:
            raise Refused(f"not painting on {state.name}: its mask cannot be used")
        if not add and image.path is not None:
            raise Outside(f"{image.name} is not in the project {self._project().root.name}: painting on it adds it "
                          "(it is then trained on unless kept for testing)")
        self.add(image)
        return self.show(image)

    # ----- edits -------------------------------------------------------------------------------
    def commit(self, box: Box) -> None:
        """An edit of the shown annotation ended (a stroke, a fill, a polygon): announce it."""
        if not box.empty and self.state.name is not None:
            self._painted.pop(self.state.name, None)
            self.events.edited.emit(self.state.name, box)

    def undo(self) -> Outcome:
        return self.step(Step.UNDO)

    def redo(self) -> Outcome:
        return self.step(Step.REDO)

    def step(self, step: Step) -> Outcome:
        ann = self.state.annotation
        if ann is None:
            return Outcome()
        box = ann.undo() if step is Step.UNDO else ann.redo()
        if box is None:
            return Outcome(message=step.nothing)
        self.commit(box)
        return Outcome(box)

    def accepted_labels(self, labels: np.ndarray, class_names: Sequence[str], scores: np.ndarray | None
                        ) -> tuple[np.ndarray, np.ndarray | None]:
        """A prediction in the project's labels (classes matched by name) and the score map the
        threshold reads (the predicted class's softmax score; None when no threshold is set)."""
        mapped = name_lut(list(class_names), self.state.class_names)[labels]
        if self.state.threshold <= 0.0 or scores is None:
            return mapped, None
        return mapped, scores.max(axis=0)

    def accept(self, image: OpenImage | None, prediction: Prediction | None, class_names: Sequence[str],
               add: bool = False) -> Outcome:
        """Copy the shown prediction (its classes matched to the project's by name) into the
        unlabelled pixels, where its score passes the threshold; an image outside the project
        joins it only with `add` (as `annotation_for`)."""
        ann = self.annotation_for(image, add)
        if prediction is None or prediction.labels.shape != ann.shape:
            return Outcome(message="no prediction for this image yet: wait until it is segmented")
        labels, scores = self.accepted_labels(prediction.labels, class_names, prediction.scores)
        box = ann.accept(labels, scores, self.state.threshold, only_unlabelled=True) if scores is not None \
            else ann.accept(labels, only_unlabelled=True)
        if box.empty:
            return Outcome(message="accepting the prediction changed nothing (no class of it is in the label set, "
                                   "or every pixel is painted already)")
        self.commit(box)
        return Outcome(box)

    def set_held_out(self, keep: bool) -> None:
        """The shown image's "keep for testing" (nothing without a shown project image)."""
        state = self.state
        if state.project is not None and state.name is not None:
            state.project.set_held_out(state.name, keep)
            self.events.changed.emit(state.name)

    def set_fully_painted(self, fully: bool) -> None:
        """The shown image's "fully painted" (nothing without a shown project image)."""
        state = self.state
        if state.project is not None and state.name is not None:
            state.project.set_fully_painted(state.name, fully)
            self.events.changed.emit(state.name)

    def image_state(self, image: OpenImage | None) -> ImageState | None:
        """What the image list says of `image` (None: not in the project). The painted fraction is
        counted once per edit, not per redraw."""
        project, name = self.state.project, self.name_of(image)
        if project is None or name is None:
            return None
        if name not in self._painted:
            try:
                self._painted[name] = project.painted_fraction(name)
            except FileProblem:
                self._painted[name] = 0.0  # a broken mask: reported where it is opened
        return ImageState(name, self._painted[name], project.is_held_out(name), project.is_fully_painted(name),
                          self.predicted_by.get(name))

    def predicted(self, image: OpenImage | None, model: Path | None) -> None:
        """The shown model predicted `image`: remembered when it is one of this project's rounds."""
        project, name = self.state.project, self.name_of(image)
        if project is None or name is None or model is None:
            return
        found = [p for p in project.round_models() if p.resolve() == Path(model).resolve()]
        if found and self.predicted_by.get(name) != found[0].parent.name:
            self.predicted_by[name] = found[0].parent.name
            self.events.changed.emit(name)

    def pick_class(self, row: int, names: Sequence[str]) -> None:
        """A legend row of the shown model clicked: its class (by name) becomes the brush's."""
        if self.state.project is not None and 0 <= row < len(names) and names[row] in self.state.class_names:
            self.state.label = self.state.class_names.index(names[row])

    def classes_edited(self) -> None:
        """The class editor changed the label set (classes.json and the masks are written)."""
        if self.state.project is not None:
            self.state.set_classes(self.state.project.classes)

    # ----- saving ------------------------------------------------------------------------------
    def save_job(self, name: str) -> SaveMaskJob:
        return SaveMaskJob(self._project(), name)

    def saved(self, name: str, path: Path | None) -> str:
        """A save ended (None: nothing was new); the sentence to show, if any."""
        if path is not None:
            self.events.changed.emit(name)
        if path is not None and self.reported.pop(name, None) is not None:
            return f"{name}: saved again ({path})"
        return ""

    def save_failed(self, name: str, problem: Exception) -> bool:
        """A save failed; True when this problem is new for this image (one dialog per problem,
        not one per stroke)."""
        message = str(problem)
        if self.reported.get(name) == message:
            return False
        self.reported[name] = message
        return True

    def unsaved_on_close(self) -> dict[str, FileProblem]:
        """Write every annotation not saved yet (a save still to come, or one dropped); what
        could not be saved, by image (those strokes live only in memory)."""
        project = self.state.project
        if project is None:
            return {}
        unsaved = dict(project.unsaved)
        for name in project.names:
            if not project.is_saved(name) and name not in unsaved:
                try:
                    project.save(name)
                except FileProblem as exc:
                    unsaved[name] = exc
        return unsaved

    # ----- training rounds ---------------------------------------------------------------------
    def round_job(self, model: Path | None, settings: AnnotationTraining,
                  takeover: Callable[[Path, AnnotationProject], dict | None] | None = None) -> RoundJob:
        """A round fine-tuning the model file `model` on the painted images (Refused: no project
        or no model); `takeover` gives live mode's refit head of that model on this project, if any,
        and the round starts from it."""
        project = self._project()
        if model is None:
            raise Refused("no model to fine-tune: open one first (Model ▸ Open…)")
        return RoundJob(project, model, settings, takeover(Path(model), project) if takeover else None)

    def round_started(self) -> None:
        """A round's job was submitted: running until `round_done` or `round_ended`."""
        self.running, self.last_metrics = True, None

    def round_event(self, event: object) -> None:
        if isinstance(event, Evaluated):
            self.last_metrics = event.metrics

    def round_done(self, done: RoundDone) -> None:
        self.running = False
        self.rounds.append(done)

    def round_ended(self) -> None:
        """The round's job is over (done, failed or cancelled)."""
        self.running = False
