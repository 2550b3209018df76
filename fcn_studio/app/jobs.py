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
from ..images import save_image
from ..palette import save_label_png
from ..engine import Prediction, load_model
from ..training.events import CancelToken
from .analysis import blend
from .catalog import ModelEntry
from .session import OpenImage, Session, expand_paths, open_image_file

__all__ = ["BatchDone", "BatchSegmentJob", "CancelToken", "FileWritten", "HeadResult", "ImageFailed", "ImageOpened", "Job",
           "Lane", "OpenImagesJob", "OpenModelJob", "Progress", "SegmentJob"]

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


@dataclass
class FileWritten:
    source: Path
    outputs: list[Path]


@dataclass
class BatchDone:
    """What a batch did: every file counted, the failed ones with their reasons."""

    out_dir: Path
    written: list[Path]
    failed: list[ImageFailed]

    @property
    def total(self) -> int:
        return len(self.written) + len(self.failed)

    @property
    def summary(self) -> str:
        """"6 of 8 images segmented, 2 failed" (", 0 failed" left out)."""
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return f"{len(self.written)} of {self.total} images segmented{failed}"


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


class BatchSegmentJob(Job):
    """Segment every image of a folder (or list) into `out_dir`: `<name>.png` labels and
    `<name>_overlay.png`. Unreadable images are reported as they come and skipped."""

    title = "batch segment"
    lane = Lane.BATCH

    def __init__(self, session: Session, sources: list[str | Path], entry: ModelEntry, out_dir: str | Path,
                 device: str, precision: str = "auto", opacity: float = 0.5, stitch: int = 0):
        self.session, self.sources, self.entry = session, list(sources), entry
        self.out_dir = Path(out_dir)
        self.device, self.precision, self.opacity, self.stitch = device, precision, opacity, stitch

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, BatchDone | None]:
        """Yields Progress after every file, failed ones too (so the bar ends at 100 %), FileWritten
        and ImageFailed; returns the BatchDone (None when cancelled)."""
        cancel = cancel or CancelToken()
        paths = expand_paths(self.sources)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        palette = np.array(self.entry.info.palette, dtype=np.uint8)
        done = BatchDone(self.out_dir, [], [])
        yield Progress(0, len(paths), f"{len(paths)} images → {self.out_dir}")
        for count, path in enumerate(paths, 1):
            if cancel.cancelled:
                return None
            try:
                image = open_image_file(path, palette)
            except (ImageLoadError, OSError) as exc:
                failed = ImageFailed(str(path), str(exc))
                done.failed.append(failed)
                yield failed
                yield Progress(count, len(paths), f"{path.name}: failed")
                continue
            pred, _ = self.session.segment(image, self.entry, self.device, self.precision, self.stitch)
            labels_path = self.out_dir / f"{path.stem}.png"
            overlay_path = self.out_dir / f"{path.stem}_overlay.png"
            save_label_png(pred.labels, labels_path, palette)
            save_image(blend(image.rgb, pred.labels, palette, self.opacity), overlay_path, "overlay")
            done.written.append(path)
            yield FileWritten(path, [labels_path, overlay_path])
            yield Progress(count, len(paths), path.name)
        return done
