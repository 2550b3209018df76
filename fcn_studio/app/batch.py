"""Segmenting many images into files: the one pipeline that `fcn-studio segment`, the headless app
and the window's Run ▸ Segment a folder all iterate.

Planning comes first and touches nothing: every input gets its names (`<stem>.png`, and
`<stem>_overlay.png` when overlays are asked for; inputs that share a stem, a/x.png and x.jpg, get
`<stem>-2.png` …), and outputs that exist already are refused before a single image is segmented
unless replacing was asked for. Then `segment_files` writes each result, reports each file as it
goes and keeps going past a file it cannot read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Generator

import numpy as np

from ..engine import Prediction
from ..engine.memory import OutOfMemory
from ..errors import FileProblem, OutputError, printable
from ..files import unique_name
from ..images import load_image, save_image
from ..palette import save_label_png
from ..training.events import CancelToken
from .catalog import ModelEntry
from .jobs import ImageFailed, Job, Lane, Progress
from .overlay import blend
from .session import Session, expand_paths, open_image_file

log = logging.getLogger(__name__)

OVERLAY = "_overlay"
SHOWN = 3  # existing outputs named in the refusal; the rest are counted

# What segments one input: its RGB pixels and the prediction (FileProblem if it cannot be read).
Segment = Callable[[Path], tuple[np.ndarray, Prediction]]


@dataclass(frozen=True)
class Outputs:
    """The files one input becomes."""

    source: Path
    labels: Path
    overlay: Path | None

    @property
    def paths(self) -> list[Path]:
        return [self.labels] + ([self.overlay] if self.overlay else [])


@dataclass
class FileWritten:
    source: Path
    outputs: list[Path]
    prediction: Prediction | None = None


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


def plan_outputs(sources: list[str | Path], out_dir: str | Path, overlay: bool = True) -> list[Outputs]:
    """Each input's output files in `out_dir`, unique among the batch; the same input given twice
    is planned once."""
    out_dir = Path(out_dir)
    taken: set[str] = set()
    plan: dict[Path, Outputs] = {}
    for source in map(Path, sources):
        if source in plan:
            continue
        base = unique_name(source.stem, lambda name: bool({name, name + OVERLAY} & taken))
        taken.update({base, base + OVERLAY})
        plan[source] = Outputs(source, out_dir / f"{base}.png", out_dir / f"{base}{OVERLAY}.png" if overlay else None)
    return list(plan.values())


def existing_outputs(plan: list[Outputs], out_dir: str | Path, overwrite: bool = False) -> set[Path]:
    """The planned files that exist already (they will be replaced); an OutputError naming them
    unless `overwrite`, so nothing is segmented into a folder that would lose earlier results."""
    existing = [p for item in plan for p in item.paths if p.exists()]
    if existing and not overwrite:
        shown = ", ".join(printable(p.name) for p in existing[:SHOWN]) + (" …" if len(existing) > SHOWN else "")
        raise OutputError(out_dir, f"{len(existing)} output file(s) exist already ({shown})")
    return set(existing)


def read_and_predict(predict: Callable[[np.ndarray], Prediction]) -> Segment:
    """A Segment that decodes the file and hands its pixels to `predict`."""
    def segment(path: Path) -> tuple[np.ndarray, Prediction]:
        rgb = load_image(path)
        return rgb, predict(rgb)
    return segment


def segment_files(plan: list[Outputs], out_dir: str | Path, segment: Segment, palette: np.ndarray,
                  opacity: float = 0.5, cancel: CancelToken | None = None) -> Generator[object, None, BatchDone | None]:
    """Write each planned input's label PNG (and overlay, `overlay.blend` at `opacity`).

    Yields Progress after every file, failed ones too (so a bar ends at 100 %), FileWritten and
    ImageFailed; returns the BatchDone, or None when cancelled. One unreadable image, or one too
    large for memory, is reported and skipped; an output folder that cannot be made stops all.
    """
    cancel = cancel or CancelToken()
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(out_dir, f"cannot use this as the output folder ({exc.strerror or exc})") from None
    palette = np.asarray(palette, dtype=np.uint8)
    done = BatchDone(out_dir, [], [])
    yield Progress(0, len(plan), f"{len(plan)} images → {out_dir}")
    for count, item in enumerate(plan, 1):
        if cancel.cancelled:
            return None
        try:
            rgb, pred = segment(item.source)
            save_label_png(pred.labels, item.labels, palette)
            if item.overlay:
                save_image(blend(rgb, pred.labels, palette, opacity), item.overlay, "overlay")
        except (FileProblem, OutOfMemory, OSError) as exc:
            name = printable(str(item.source))
            message = str(exc) if name in str(exc) else f"{name}: {exc}"
            log.warning("batch: %s", message)
            failed = ImageFailed(str(item.source), message)
            done.failed.append(failed)
            yield failed
            yield Progress(count, len(plan), f"{item.source.name}: failed")
            continue
        done.written.append(item.source)
        yield FileWritten(item.source, item.paths, pred)
        yield Progress(count, len(plan), item.source.name)
    return done


class BatchSegmentJob(Job):
    """The window's batch: every image of the folders (or files) `sources` through `segment_files`
    with the session's segmenter for `entry`, labels and overlays at the view's opacity. Outputs
    that exist already are refused (OutputError, before anything is segmented) unless `overwrite`."""

    title = "batch segment"
    lane = Lane.BATCH

    def __init__(self, session: Session, sources: list[str | Path], entry: ModelEntry, out_dir: str | Path,
                 device: str, precision: str = "auto", opacity: float = 0.5, stitch: int = 0, overwrite: bool = False):
        self.session, self.sources, self.entry = session, list(sources), entry
        self.out_dir = Path(out_dir)
        self.device, self.precision, self.opacity, self.stitch = device, precision, opacity, stitch
        self.overwrite = overwrite

    def plan(self) -> list[Outputs]:
        return plan_outputs(expand_paths(self.sources), self.out_dir)

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, BatchDone | None]:
        plan = self.plan()
        existing_outputs(plan, self.out_dir, self.overwrite)
        palette = np.array(self.entry.info.palette, dtype=np.uint8)

        def segment(path: Path) -> tuple[np.ndarray, Prediction]:
            image = open_image_file(path, palette)
            pred, _ = self.session.segment(image, self.entry, self.device, self.precision, self.stitch)
            return image.rgb, pred
        return (yield from segment_files(plan, self.out_dir, segment, palette, self.opacity, cancel))
