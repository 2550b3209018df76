"""The annotate mode's background work as app jobs: saving a mask, a training round, live prediction.

`SaveMaskJob` runs in Lane.SAVE (one thread, in order) so a 12-megapixel PNG encode never blocks
painting; a save that finds the mask already saved (a later job wrote it) does nothing, so a
burst of strokes costs one write, not one per stroke. `RoundJob` is "Train on my annotations"
(Lane.TRAIN) around `train_on_annotations`; `LivePredictJob` (Lane.LIVE, superseding) segments
the shown image with a `LiveModel`'s weights for the overlay while the round trains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generator

import numpy as np

from ...engine import FCN, Prediction, Segmenter, load_model
from ..event_stream import stream
from ..jobs import CancelToken, Job, Lane
from ..session import OpenImage
from .project import AnnotationProject
from .training import AnnotationTraining, LiveModel, RoundDone, train_on_annotations

__all__ = ["LiveModel", "LivePredictJob", "LiveResult", "RoundDone", "RoundJob", "SaveMaskJob"]


class SaveMaskJob(Job):
    """Write one image's annotation to its mask; returns the path, or None when nothing was new."""

    title = "save mask"
    lane = Lane.SAVE

    def __init__(self, project: AnnotationProject, name: str):
        self.project, self.name = project, name

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, Path | None]:
        yield from ()
        if self.project.is_saved(self.name) and self.name not in self.project.unsaved:
            return None
        return self.project.save(self.name)  # a MaskProblem is recorded in `unsaved` too


class RoundJob(Job):
    """One "Train on my annotations" round from the model file `model_path`; returns RoundDone.

    Yields the trainer's events (StepDone, Evaluated on the held-out images, …) and LiveModel."""

    title = "train on annotations"
    lane = Lane.TRAIN

    def __init__(self, project: AnnotationProject, model_path: str | Path,
                 settings: AnnotationTraining | None = None, head_state: dict | None = None):
        self.project, self.model_path = project, Path(model_path)
        self.settings = settings or AnnotationTraining()
        self.head_state = head_state  # live mode's refit score layers, where the round starts

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, RoundDone]:
        cancel = cancel or CancelToken()
        model = load_model(self.model_path)

        def call(on_event):
            return train_on_annotations(self.project, model, settings=self.settings, on_event=on_event, cancel=cancel,
                                        started_from=str(Path(*self.model_path.parts[-2:])), head_state=self.head_state)

        return (yield from stream(call, self.title, cancel.cancel))


@dataclass(frozen=True)
class LiveResult:
    """The shown image segmented by a round's newest weights, in the project's classes."""

    image_key: str
    prediction: Prediction
    class_names: tuple[str, ...]
    palette: np.ndarray
    iteration: int

    @property
    def label(self) -> str:
        return f"live, update {self.iteration}"

    @property
    def sentence(self) -> str:
        """What the status bar says of it: "live, update 120 · 85 ms"."""
        return f"{self.label} · {self.prediction.seconds * 1000:.0f} ms"


class LivePredictJob(Job):
    """Segment `image` with a LiveModel's copy of the weights (CPU, fp32, PyTorch: no export)."""

    title = "live prediction"
    lane = Lane.LIVE

    def __init__(self, live: LiveModel, image: OpenImage):
        self.live, self.image = live, image

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, LiveResult | None]:
        yield from ()
        if cancel is not None and cancel.cancelled:
            return None
        model: FCN = self.live.model
        prediction = Segmenter(model, device="cpu", precision="fp32", backend="torch").predict(self.image.rgb, scores=True)
        info = model.info
        return LiveResult(self.image.key, prediction, tuple(info.class_names),
                          np.asarray(info.palette, np.uint8).reshape(-1, 3), self.live.iteration)
