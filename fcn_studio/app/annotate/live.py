"""Live mode (issue 27): the score layers refit after every finished edit, the visible image repainted.

The paper's FCN-*-fixed, interactively: `training.live_head.LiveHead` keeps each image's trunk
blobs (one trunk pass per image, ever) and refits only the head on the labelled pixels of every
painted image. `LiveLoop` owns that head for one shown model and one open project and decides what
enters it; `LiveJob` (Lane.LIVE, superseding) runs one step of it off the GUI thread:

- an edit (`edited(name, rgb, labels)`, a copy of the mask taken on the GUI thread) waits in
  `pending` until the next job takes it. A superseded job still takes what is pending before it
  stops, so the newest stroke replaces a refit that had not run yet and no stroke is ever lost;
- held-out images never enter the fit: the job reads the flags the GUI thread handed it, and an
  image marked for testing after it was painted leaves the fit at the next job;
- a new model or a new label set (`use`) resets the head: the next job builds it from the model file
  adapted to the project's classes (`for_project`, the rounds' surgery) and the masks on disk, then
  the edits still pending. Until its first refit (the next edit) it answers nothing, so a round's
  model, once shown, is drawn as the round left it: the round takes over, and the next stroke
  refits from the round's head.

The head is touched only by the lane's one thread; the GUI thread only swaps `pending` and the
target under a lock. `LiveAnswer` is a `LiveResult` (what `ViewModel.show_live` draws) with the
margin between the two best classes, the uncertainty layer's value.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generator

import numpy as np

from ...engine import FCN, Prediction, load_model
from ...images import load_image
from ...palette import VOID_LABEL
from ...training.live_head import LiveHead
from ..jobs import CancelToken, Job, Lane
from ..session import OpenImage
from .jobs import LiveResult
from .project import AnnotationProject
from .training import for_project

log = logging.getLogger(__name__)

STEPS = 5  # Adam updates per edit: the engine benchmark's setting (≈ 0.1 s on 20 painted 512² images)


def margin_of(scores: np.ndarray) -> np.ndarray:
    """H×W best minus second-best class probability of C×H×W softmax scores (1 for one class):
    how sure a head result is, from its own scores."""
    scores = np.asarray(scores, np.float32)
    if scores.shape[0] < 2:
        return np.ones(scores.shape[1:], np.float32)
    top = np.partition(scores, scores.shape[0] - 2, axis=0)[-2:]
    return np.abs(top[1] - top[0])


@dataclass(frozen=True)
class LiveAnswer(LiveResult):
    """The live head's answer for one image: labels, `margin` (H×W), and what the status line says."""

    margin: np.ndarray | None = None
    painted: int = 0
    fit_s: float = 0.0
    target: tuple = ()
    cpu_s: float = 0.0  # the lane thread's CPU time for this step (labels, refit, prediction)

    @property
    def label(self) -> str:
        return "live"

    @property
    def sentence(self) -> str:
        """"live · 3 painted images · fit 0.4 s"."""
        images = f"{self.painted} painted image{'s' if self.painted != 1 else ''}"
        return f"live · {images} · fit {self.fit_s:.1f} s"


@dataclass(frozen=True)
class Ranked:
    """Images by mean uncertainty (1 − margin), most uncertain first."""

    names: list[str]
    uncertainty: list[float]


def image_key(name: str | None, image: OpenImage) -> Hashable:
    """The live head's key of a shown image: its project name, else the open image's own key."""
    return ("project", name) if name is not None else ("open", image.key)


class LiveLoop:
    """One live head for (model file, project, label set); see the module doc."""

    def __init__(self, steps: int = STEPS, load: Callable[[Path], FCN] = load_model):
        self.steps, self.load = steps, load
        self.head: LiveHead | None = None
        self.project: AnnotationProject | None = None
        self.fit_s = self.fit_cpu_s = 0.0  # the last refit's seconds: wall clock, and this thread's CPU
        self._lock = threading.Lock()
        self._target: tuple = ()
        self._built: tuple = ()  # the target the head was built for
        self._pending: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._dirty = False  # labels changed since the last fit
        self._shapes: dict[Hashable, tuple[int, int]] = {}  # H×W of each image the head holds

    # ----- the GUI thread ----------------------------------------------------------------------
    @property
    def target(self) -> tuple:
        return self._target

    def use(self, model_path: Path | None, project: AnnotationProject | None) -> None:
        """The shown model or the open project (its label set included) changed: the next job
        starts a new head. None for either: live mode has nothing to fit."""
        classes = tuple(project.classes.names) if project is not None else ()
        palette = project.classes.palette.tobytes() if project is not None else b""
        target = (model_path, id(project), classes, palette) if model_path is not None and project is not None else ()
        with self._lock:
            if project is not self.project:
                self._pending.clear()  # edits of another project's images
            self._target, self.project = target, project

    def takeover(self, model_path: Path | None, project: AnnotationProject | None) -> dict | None:
        """The refit head, for a round about to fine-tune all layers of the same model file on the same
        project (it starts where live mode got to, not from the model's untouched score layers);
        None when the head is another model's or project's, or has not been refit yet."""
        head, built = self.head, self._built
        if head is None or not head.updates or not built or built[0] != model_path or built[1] != id(project):
            return None
        return head.head_state()

    def edited(self, name: str, rgb: np.ndarray, labels: np.ndarray) -> None:
        """A finished edit of project image `name`: `labels` must be a copy (the brush goes on)."""
        with self._lock:
            self._pending[name] = (rgb, labels)

    def job(self, shown: OpenImage | None, name: str | None, held_out: Sequence[str], fit: bool = True) -> "LiveJob":
        """A step for the lane: take the pending edits, refit (`fit`), repredict `shown` (project
        name `name`). `held_out`: the project's test images, as the GUI thread sees them now."""
        project = self.project
        training = project.training_names() if project is not None else []
        return LiveJob(self, self._target, shown, name, training, frozenset(held_out), fit)

    # ----- the lane's thread -------------------------------------------------------------------
    def prepare(self, target: tuple, training: Sequence[str], held_out: frozenset[str]) -> LiveHead | None:
        """The head for `target` (built if the target changed) with every pending edit applied;
        None when the target is gone (the model or project changed since the job was made)."""
        with self._lock:
            if target != self._target or not target:
                return None
            pending, self._pending = self._pending, {}
            project = self.project
        if target != self._built:
            self._build(target, project, training, held_out)
        for name, (rgb, labels) in pending.items():
            self._set(name, rgb, labels, held_out)
        for key in self.head.painted:  # marked for testing since it was painted
            if key[1] in held_out:
                self._set(key[1], None, None, held_out)
        return self.head

    def _build(self, target: tuple, project: AnnotationProject, training: Sequence[str], held_out: frozenset[str]) -> None:
        start = time.perf_counter()
        model = for_project(self.load(target[0]), project).eval()
        self.head, self._built, self._dirty, self.fit_s, self._shapes = LiveHead(model), target, False, 0.0, {}
        for name in training:
            if name not in held_out:
                self._set(name, load_image(project.image_path(name)), project.read_mask(name), held_out)
        log.info("live head for %s on %d painted images in %.1f s", Path(target[0]).name, len(self.head.painted),
                 time.perf_counter() - start)

    def _set(self, name: str, rgb: np.ndarray | None, labels: np.ndarray | None, held_out: frozenset[str]) -> None:
        key = ("project", name)
        if name in held_out or labels is None:
            if key in self.head.painted:
                self.head.set_labels(key, np.full(self._shapes[key], VOID_LABEL, np.uint8))
                self._dirty = True
            return
        if rgb is not None:
            self.head.add_image(key, rgb)
            self._shapes[key] = rgb.shape[:2]
        self.head.set_labels(key, labels)
        self._dirty = True

    def fit(self) -> float:
        """Refit when labels changed since the last fit; the seconds the last refit took."""
        if self._dirty and self.head.painted:
            start, cpu = time.perf_counter(), time.thread_time()
            self.head.fit(self.steps)
            self.fit_s, self.fit_cpu_s = time.perf_counter() - start, time.thread_time() - cpu
        self._dirty = False
        return self.fit_s

    def answer(self, target: tuple, shown: OpenImage, name: str | None) -> LiveAnswer:
        """The shown image under the current head."""
        key = image_key(name, shown)
        self.head.add_image(key, shown.rgb)
        predicted = self.head.predict(key)
        classes = self.head.model.info
        return LiveAnswer(shown.key, Prediction(labels=predicted.labels), tuple(classes.class_names),
                          np.asarray(classes.palette, np.uint8).reshape(-1, 3), self.head.updates,
                          margin=predicted.margin, painted=len(self.head.painted), fit_s=self.fit_s, target=target)

    def rank(self, names: Sequence[str], cancel: CancelToken) -> Ranked:
        """Project images `names` by mean uncertainty under the current head (each image's blobs
        computed once, then only the head runs)."""
        project, scored = self.project, []
        for name in names:
            if cancel.cancelled:
                break
            key = ("project", name)
            self.head.add_image(key, load_image(project.image_path(name)))
            scored.append((1.0 - self.head.predict(key).mean_margin, name))
        scored.sort(key=lambda s: -s[0])
        return Ranked([n for _, n in scored], [u for u, _ in scored])


class LiveJob(Job):
    """One step of the live loop; returns a LiveAnswer for the shown image (None: nothing to show,
    or superseded; what was pending is applied all the same)."""

    title = "live fit"
    lane = Lane.LIVE

    def __init__(self, loop: LiveLoop, target: tuple, shown: OpenImage | None, name: str | None,
                 training: Sequence[str], held_out: frozenset[str], fit: bool = True):
        self.loop, self.target, self.shown, self.name = loop, target, shown, name
        self.training, self.held_out, self.fit = list(training), held_out, fit

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, LiveAnswer | None]:
        yield from ()
        cancel, cpu = cancel or CancelToken(), time.thread_time()
        head = self.loop.prepare(self.target, self.training, self.held_out)
        if head is None or cancel.cancelled:
            return None
        if self.fit:
            self.loop.fit()
        if cancel.cancelled or self.shown is None or not head.painted or not head.updates:
            return None  # an unfitted head is the model's own answer: the head's result shows that
        answer = self.loop.answer(self.target, self.shown, self.name)
        return dataclasses.replace(answer, cpu_s=time.thread_time() - cpu)


class RankJob(Job):
    """"Next most uncertain image": the project's trainable images ranked (pending edits fitted first)."""

    title = "rank by uncertainty"
    lane = Lane.LIVE

    def __init__(self, step: LiveJob, names: Sequence[str]):
        self.step, self.names = step, list(names)

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, Ranked | None]:
        yield from ()
        cancel = cancel or CancelToken()
        loop = self.step.loop
        head = loop.prepare(self.step.target, self.step.training, self.step.held_out)
        if head is None or not head.painted:
            return None
        loop.fit()
        return loop.rank([n for n in self.names if n not in self.step.held_out], cancel)
