"""Long work as Qt-free jobs: a job is an object whose `run()` yields events and that stops
early when cancelled (the shape of napari's generator workers, without the Qt).

The GUI runs a job on a worker thread and turns each event into a signal; a CLI or a test just
iterates it. Training and evaluation jobs from `fcn_studio.training` plug into the same runner.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import ImageLoadError, WeightFileError, printable
from ..images import save_image
from ..palette import save_label_png
from ..engine import Prediction, load_model
from ..training.events import CancelToken
from .analysis import blend
from .catalog import ModelEntry
from .session import OpenImage, Session, expand_paths, open_image_file

log = logging.getLogger(__name__)


class JobError(Exception):
    """A job failed; the message says what and names the file."""


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


class Job(CancelToken):
    """Base: a title for the jobs panel, `run()` yielding events, and (as a CancelToken) a cancel
    flag checked between steps — the same token the trainer and `evaluate` take."""

    title = "job"

    def run(self) -> Iterator[object]:
        raise NotImplementedError


class OpenImagesJob(Job):
    """Decode dropped/opened files off the GUI thread; an unreadable file is reported, not fatal."""

    title = "open images"

    def __init__(self, paths: list[str | Path], palette: np.ndarray | None = None):
        super().__init__()
        self.paths = list(paths)
        self.palette = palette

    def run(self) -> Iterator[object]:
        for path in expand_paths(self.paths):
            if self.cancelled:
                return
            try:
                yield ImageOpened(open_image_file(path, self.palette))
            except (ImageLoadError, OSError) as exc:
                name = printable(str(path))
                log.warning("cannot open %s: %s", name, exc)
                yield ImageFailed(str(path), str(exc) if name in str(exc) else f"{name}: {exc}")


class OpenModelJob(Job):
    """Read a user's model file (a Caffe or pytorch-fcn file needs its tensors read to know itself)."""

    title = "open model"

    def __init__(self, session: Session, path: str | Path):
        super().__init__()
        self.session = session
        self.path = Path(path)

    def run(self) -> Iterator[object]:
        try:
            if self.path.suffix.lower() == ".safetensors":
                load_model(self.path)  # every tensor checked against its metadata before the app offers it
            yield self.session.catalog.add_file(self.path)
        except WeightFileError as exc:
            raise JobError(str(exc)) from None


class SegmentJob(Job):
    """Segment one image with each head in `entries`, the one to show first first.

    Computing the family's other heads right after makes the head switch and the comparison
    grid instant; a newer request cancels this one between heads.
    """

    title = "segment"

    def __init__(self, session: Session, image: OpenImage, entries: list[ModelEntry], device: str, precision: str = "auto"):
        super().__init__()
        self.session, self.image, self.entries = session, image, entries
        self.device, self.precision = device, precision

    def run(self) -> Iterator[object]:
        for entry in self.entries:
            if self.cancelled:
                return
            try:
                pred, cached = self.session.segment(self.image, entry, self.device, self.precision)
            except (RuntimeError, ValueError, WeightFileError, OSError) as exc:
                raise JobError(f"{self.image.name} with {entry.path.name}: {exc}") from exc
            yield HeadResult(self.image, entry, pred, cached)


class BatchSegmentJob(Job):
    """Segment every image of a folder (or list) into `out_dir`: `<name>.png` labels and
    `<name>_overlay.png`. Unreadable images are reported as they come and skipped."""

    title = "batch segment"

    def __init__(self, session: Session, sources: list[str | Path], entry: ModelEntry, out_dir: str | Path,
                 device: str, precision: str = "auto", opacity: float = 0.5):
        super().__init__()
        self.session, self.sources, self.entry = session, list(sources), entry
        self.out_dir = Path(out_dir)
        self.device, self.precision, self.opacity = device, precision, opacity

    def run(self) -> Iterator[object]:
        paths = expand_paths(self.sources)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        palette = np.array(self.entry.info.palette, dtype=np.uint8)
        yield Progress(0, len(paths), f"{len(paths)} images → {self.out_dir}")
        for done, path in enumerate(paths, 1):
            if self.cancelled:
                return
            try:
                image = open_image_file(path, palette)
            except (ImageLoadError, OSError) as exc:
                yield ImageFailed(str(path), str(exc))
                continue
            pred, _ = self.session.segment(image, self.entry, self.device, self.precision)
            labels_path = self.out_dir / f"{path.stem}.png"
            overlay_path = self.out_dir / f"{path.stem}_overlay.png"
            save_label_png(pred.labels, labels_path, palette)
            save_image(blend(image.rgb, pred.labels, palette, self.opacity), overlay_path, "overlay")
            yield FileWritten(path, [labels_path, overlay_path])
            yield Progress(done, len(paths), path.name)
