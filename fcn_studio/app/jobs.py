"""Long work as Qt-free jobs: a job's `run(cancel)` is a generator that yields events, returns its
final value, and stops early once the CancelToken it is given is cancelled (the shape of napari's
and superqt's generator workers, without the Qt).

The GUI runs each job behind a handle whose yielded / returned / errored / finished signals carry
those (`fcn_studio.gui.worker`); a CLI or a test just iterates. Each job names its `Lane`: jobs of
a lane run one after another, and in a superseding lane a new job cancels the older ones and their
remaining output is dropped (a result for an image the user has left is never drawn).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generator

import numpy as np

from ..errors import ComputeError, FileProblem, ImageLoadError, printable
from ..engine import Prediction, load_model
from ..training.events import CancelToken
from .catalog import ModelEntry
from .session import OpenImage, Session, expand_paths, open_image_file

__all__ = ["CancelToken", "HeadResult", "ImageFailed", "ImageOpened", "Job", "Lane", "OpenImagesJob", "OpenModelJob",
           "Progress", "SegmentJob"]

log = logging.getLogger(__name__)


@dataclass
class ImageOpened:
    image: OpenImage


@dataclass
class ImageFailed:
    path: str
    message: str


@dataclass
class HeadResult:
    image: OpenImage
    entry: ModelEntry
    prediction: Prediction
    cached: bool


@dataclass
class Progress:
    done: int
    total: int
    message: str = ""


class Lane(enum.Enum):
    """Where a job runs: each lane is one thread, so its jobs run in order; a superseding lane keeps
    only the newest job (a new image to segment, a newly typed folder to check)."""

    OPEN = "open"
    SEGMENT = "segment"
    BATCH = "batch"
    TRAIN = "train"
    EVAL = "eval"
    CHECK = "check"
    SAVE = "save"  # annotation masks, written in the order they were painted
    LIVE = "live"  # the visible image re-segmented with a training round's newest weights
    DOWNLOAD = "download"  # catalogue files: minutes long, so never in front of an image to open

    @property
    def supersedes(self) -> bool:
        return self in (Lane.SEGMENT, Lane.CHECK, Lane.LIVE)


Events = Generator[object, None, Any]


class Job:
    """Base: a title for the jobs panel, its lane, and `run(cancel)`, a generator of events whose
    return value is the job's result. `cancel` is checked between steps (the same token the
    trainer and `evaluate` take); without one the job runs to the end."""

    title = "job"
    lane = Lane.OPEN

    def run(self, cancel: CancelToken | None = None) -> Events:
        raise NotImplementedError


class OpenImagesJob(Job):
    """Decode dropped/opened files off the GUI thread; an unreadable file is reported, not fatal."""

    title = "open images"
    lane = Lane.OPEN

    def __init__(self, paths: list[str | Path], palette: np.ndarray | None = None):
        self.paths = list(paths)
        self.palette = palette

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, OpenImage | None]:
        """Yields ImageOpened / ImageFailed per file; returns the last image opened (the one to show)."""
        cancel = cancel or CancelToken()
        last = None
        for path in expand_paths(self.paths):
            if cancel.cancelled:
                break
            try:
                last = open_image_file(path, self.palette)
                yield ImageOpened(last)
            except (ImageLoadError, OSError) as exc:
                name = printable(str(path))
                log.warning("cannot open %s: %s", name, exc)
                yield ImageFailed(str(path), str(exc) if name in str(exc) else f"{name}: {exc}")
        return last


class OpenModelJob(Job):
    """Read a user's model file (a Caffe or pytorch-fcn file needs its tensors read to know itself)."""

    title = "open model"
    lane = Lane.OPEN

    def __init__(self, session: Session, path: str | Path):
        self.session = session
        self.path = Path(path)

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, ModelEntry]:
        """Yields nothing; returns the catalog entry of the file (WeightFileError if it is no model)."""
        yield from ()  # nothing to report on the way: the entry is the result
        if self.path.suffix.lower() == ".safetensors":
            load_model(self.path)  # every tensor checked against its metadata before the app offers it
        return self.session.catalog.add_file(self.path)


class SegmentJob(Job):
    """Segment one image with each head in `entries`, the one to show first first.

    Computing the family's other heads right after makes the head switch and the comparison
    grid instant; a newer request cancels this one between heads.
    """

    title = "segment"
    lane = Lane.SEGMENT

    def __init__(self, session: Session, image: OpenImage, entries: list[ModelEntry], device: str,
                 precision: str = "auto", stitch: int = 0):
        self.session, self.image, self.entries = session, image, entries
        self.device, self.precision, self.stitch = device, precision, stitch

    def run(self, cancel: CancelToken | None = None) -> Generator[HeadResult, None, None]:
        cancel = cancel or CancelToken()
        for entry in self.entries:
            if cancel.cancelled:
                return
            try:
                pred, cached = self.session.segment(self.image, entry, self.device, self.precision, self.stitch)
            except (FileProblem, RuntimeError, ValueError, OSError) as exc:
                reason = exc.reason if isinstance(exc, FileProblem) else str(exc)
                raise ComputeError(self.image.path, f"with {entry.path.name}: {reason}") from exc
            yield HeadResult(self.image, entry, pred, cached)
