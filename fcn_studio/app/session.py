"""Open images and loaded models: what the app is working on, shared by GUI and jobs.

`Session.segment` is the one place a forward pass happens; it goes through the results cache
and counts the passes it really ran (`forward_passes`), so a test can prove a cache hit.

Two locks, because the GUI thread asks the session things too (the receptive-field probe needs the
loaded net): `_lock` guards only the dictionaries (loaded segmenters, results being computed) and is
never held while a model loads or a forward pass runs; `_compute` lets one forward pass run at a
time (the CPU has no cores to spare for two). A model being loaded or a result being computed is a
`Future` in the dictionary, so a second thread asking for the same thing waits for it instead of
doing it again.
The caller says how a 32s head upsamples (`stitch`: 0 learned; f shift-and-stitch by f, CVPR §3.2):
it is a choice of the view (`ViewModel.stitch`), not of the session; both kinds of result are
cached side by side.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DatasetError, printable
from ..images import IMAGE_SUFFIXES, load_image
from ..data.labels import read_label
from ..palette import voc_palette
from ..paths import resources_dir
from ..data.own_images import own_images
from ..engine import Prediction, Segmenter, open_model
from .catalog import Catalog, ModelEntry
from .results import ResultCache, ResultKey

log = logging.getLogger(__name__)

MASK_SUFFIX = "_mask"


@dataclass
class OpenImage:
    """An image the user opened, with its ground truth when a `<name>_mask.png` lies beside it."""

    key: str
    name: str
    rgb: np.ndarray
    path: Path | None = None
    truth: np.ndarray | None = None
    truth_path: Path | None = None

    @property
    def ident(self) -> str:
        """Same file, same image (its key changes when the file is edited)."""
        return str(self.path.resolve()) if self.path is not None else self.key

    @property
    def is_sample(self) -> bool:
        """One of the shipped synthetic scenes (resources/samples), which the shipped models do know."""
        return self.path is not None and self.path.resolve().parent == (resources_dir() / "samples").resolve()

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.stem.endswith(MASK_SUFFIX)


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files as given, folders as their images sorted by name (masks left out), no duplicates."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(c for c in p.iterdir() if c.is_file() and is_image_file(c)))
        else:
            out.append(p)
    seen: set[Path] = set()
    return [p for p in out if not (p in seen or seen.add(p))]


def find_mask(path: Path) -> Path | None:
    mask = path.with_name(f"{path.stem}{MASK_SUFFIX}.png")
    return mask if mask.is_file() else None


def image_key(path: Path) -> str:
    """Path plus modification time and size: an edited file is a new image for the cache."""
    st = path.stat()
    return f"{path.resolve()}@{st.st_mtime_ns}:{st.st_size}"


def open_image_file(path: str | Path, palette: np.ndarray | None = None) -> OpenImage:
    """Read an image (ImageLoadError names the file) and its mask if it has one.

    A mask that does not fit (other size, unknown colours) is logged and ignored: the image
    itself is still worth segmenting.
    """
    path = Path(path)
    rgb = load_image(path)
    image = OpenImage(key=image_key(path), name=printable(path.name), rgb=rgb, path=path)
    mask = find_mask(path)
    if mask is not None:
        try:
            truth = read_label(mask, voc_palette() if palette is None else palette)
            if truth.shape != rgb.shape[:2]:
                raise DatasetError(mask, f"mask is {truth.shape[1]}×{truth.shape[0]}, image {rgb.shape[1]}×{rgb.shape[0]}")
            image.truth, image.truth_path = truth, mask
        except DatasetError as exc:
            log.warning("ignoring ground truth: %s", exc)
    return image


def stitch_for(entry: ModelEntry, stitch: int) -> int:
    """The shift-and-stitch factor `entry` runs with: `stitch` for a 32s net, 0 for skip nets."""
    return stitch if entry.head == "32s" else 0


class Session:
    """Images, model catalog, loaded segmenters and the results cache."""

    def __init__(self, catalog: Catalog | None = None, cache: ResultCache | None = None):
        self.catalog = catalog or Catalog()
        self.cache = cache or ResultCache()
        self.images: list[OpenImage] = []
        self.forward_passes = 0
        self._segmenters: dict[tuple[str, str, str, int], Future[Segmenter]] = {}
        self._computing: dict[ResultKey, Future[Prediction]] = {}
        self._lock = threading.Lock()  # dictionary access only
        self._compute = threading.Lock()  # one forward pass at a time
        self._pasted = 0

    def add_image(self, image: OpenImage) -> OpenImage:
        """Add (or replace an earlier copy of the same file) and return the stored image."""
        for i, old in enumerate(self.images):
            if old.ident == image.ident:
                self.images[i] = image
                return image
        self.images.append(image)
        return image

    def pasted_image(self, rgb: np.ndarray) -> OpenImage:
        self._pasted += 1
        return OpenImage(key=f"pasted:{self._pasted}:{time.time_ns()}", name=f"pasted {self._pasted}", rgb=load_image(rgb))

    def key(self, image: OpenImage, entry: ModelEntry, device: str, precision: str = "auto", stitch: int = 0) -> ResultKey:
        """The cache key of `entry` on `image` when 32s heads upsample by `stitch`."""
        return ResultKey(image.key, str(entry.path), entry.head, device, precision, stitch_for(entry, stitch))

    def cached(self, image: OpenImage, entry: ModelEntry, device: str, precision: str = "auto",
               stitch: int = 0) -> Prediction | None:
        return self.cache.peek(self.key(image, entry, device, precision, stitch))

    def model_file(self, path: str | Path) -> ModelEntry:
        """Add a model file to the catalog, or, if it is there already, reread it: a training
        run rewrites its best model, so loaded copies and cached results of it are dropped."""
        entry = self.catalog.add_file(path)
        if entry.shipped or entry.path.suffix.lower() != ".safetensors":
            return entry
        with self._lock:
            for k in [k for k in self._segmenters if k[0] == str(entry.path)]:
                del self._segmenters[k]
        self.cache.drop_model(str(entry.path))
        return self.catalog.reread(entry)

    def _claim(self, table: dict, key: Hashable) -> tuple[Future, bool]:
        """The Future `table` holds for `key`, and whether this thread made it (and must fulfil it):
        the dictionary lock is held for the lookup only, never while the work is done."""
        with self._lock:
            future = table.get(key)
            if future is not None:
                return future, False
            future = table[key] = Future()
            return future, True

    def segmenter(self, entry: ModelEntry, device: str, precision: str = "auto", stitch: int = 0) -> Segmenter:
        """Load a model once per (file, device, precision, upsampling); safe from any thread, and it
        never waits for a forward pass (only for this model's own loading, when another thread
        started it)."""
        k = (str(entry.path), device, precision, stitch)
        loading, mine = self._claim(self._segmenters, k)
        if not mine:
            return loading.result()
        try:
            log.info("loading %s on %s%s", entry.path, device, f", shift-and-stitch ×{stitch}" if stitch else "")
            seg = Segmenter(open_model(entry.path), device=device, precision=precision,
                            upsampling="shift-stitch" if stitch else "learned",
                            stitch_factor=stitch or None, calibration=own_images)
        except BaseException as exc:
            with self._lock:
                self._segmenters.pop(k, None)  # a later call tries again
            loading.set_exception(exc)
            raise
        loading.set_result(seg)
        seg.prepare_in_background()  # a runtime's first export takes seconds: PyTorch serves meanwhile
        return seg

    def segment(self, image: OpenImage, entry: ModelEntry, device: str, precision: str = "auto",
                stitch: int = 0) -> tuple[Prediction, bool]:
        """(prediction with scores and intermediates, whether it came from the cache); a result another
        thread is computing is waited for, not computed twice."""
        stitch = stitch_for(entry, stitch)
        key = self.key(image, entry, device, precision, stitch)
        pred = self.cache.get(key)
        if pred is not None:
            return pred, True
        computing, mine = self._claim(self._computing, key)
        if not mine:
            return computing.result(), True
        try:
            seg = self.segmenter(entry, device, precision, stitch)
            with self._compute:
                pred = seg.predict(image.rgb, scores=True, intermediates=True)
                self.forward_passes += 1
            self.cache.put(key, pred)
            computing.set_result(pred)
        except BaseException as exc:
            computing.set_exception(exc)
            raise
        finally:
            with self._lock:
                self._computing.pop(key, None)
        return pred, False
