"""The paper's datasets fetched and unpacked where the dataset readers look (`data/voc.py`, `data/sbd.py`).

The URLs and md5s are torchvision's (`torchvision.datasets.VOCSegmentation` and `SBDataset`).
The archive stays in the cache, checked by pooch like any download; it is unpacked with
tarfile's "data" filter (no absolute paths, no links out of the folder, no device files) into a
temporary folder beside the target, which is renamed into place only when complete. VOC 2012
gets the paper's `seg11valid.txt` (fcn.berkeleyvision.org `data/pascal/seg11valid.txt`, the 736
VOC2011 val images that SBD's training set does not hold) among its split lists, so
`--split seg11valid` works at once.
"""

from __future__ import annotations

import logging
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ...training.events import CancelToken
from ...errors import DownloadError
from .fetch import ProgressCallback, cache_dir, fetch, source_urls

log = logging.getLogger(__name__)

SEG11VALID = Path(__file__).with_name("seg11valid.txt")


@dataclass(frozen=True)
class DatasetArchive:
    name: str
    file_name: str
    urls: tuple[str, ...]
    md5: str
    top: str  # the folder the archive unpacks into
    root: str  # the folder the dataset readers take, inside `top`'s parent
    size_gb: float


DATASETS = {
    "voc2012": DatasetArchive("voc2012", "VOCtrainval_11-May-2012.tar",
                              ("http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar",),
                              "6cd6e144f989b92b3379bac3b3de84fd", "VOCdevkit", "VOCdevkit/VOC2012", 2.0),
    "sbd": DatasetArchive("sbd", "benchmark.tgz",
                          ("https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/semantic_contours/"
                           "benchmark.tgz",),
                          "82b4d87ceb2ed10f6038a1cba92111cb", "benchmark_RELEASE", "benchmark_RELEASE/dataset", 1.4),
}


def get_dataset(name: str, dest: str | Path, on_progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None, retries: int = 2) -> Path:
    """Download (or reuse) the archive, unpack it under `dest`; returns the dataset's root folder."""
    archive_info = DATASETS[name]
    dest = Path(dest)
    root = dest / archive_info.root
    if root.is_dir():
        _add_lists(archive_info, root)
        return root
    urls = source_urls(archive_info.urls, archive_info.file_name)
    try:
        archive, _ = fetch(urls, cache_dir() / "datasets" / archive_info.file_name, f"md5:{archive_info.md5}",
                           on_progress, cancel, retries)
    except DownloadError as exc:
        if exc.path is not None:
            raise
        raise DownloadError(None, f"could not download {name}: {exc.reason}. Another way: fetch "
                            f"{archive_info.file_name} by hand from {' or '.join(urls)}, put it in "
                            f"{cache_dir() / 'datasets'} and run this again") from None
    unpack(archive, dest, archive_info.top)
    _add_lists(archive_info, root)
    return root


def unpack(archive: Path, dest: Path, top: str) -> None:
    """Unpack `archive`'s `top` folder into `dest` through a temporary folder (nothing half-unpacked stays)."""
    if not hasattr(tarfile, "data_filter"):
        raise DownloadError(archive, "this Python's tarfile lacks the safe 'data' filter (3.10.12+, 3.11.4+); "
                            "unpack the archive by hand")
    dest.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=dest, prefix=".unpacking-"))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        if not (work / top).is_dir():
            raise DownloadError(archive, f"holds no {top}/ folder; not the archive expected")
        if (dest / top).exists():
            _merge(work / top, dest / top)
        else:
            (work / top).rename(dest / top)
    except (tarfile.TarError, OSError) as exc:
        raise DownloadError(archive, f"could not unpack it into {dest} ({getattr(exc, 'strerror', None) or exc})") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _merge(source: Path, target: Path) -> None:
    """VOCdevkit/ already there (another year): move in what it lacks."""
    for item in source.iterdir():
        if not (target / item.name).exists():
            item.rename(target / item.name)


def _add_lists(archive_info: DatasetArchive, root: Path) -> None:
    if archive_info.name == "voc2012":
        lists = root / "ImageSets" / "Segmentation"
        lists.mkdir(parents=True, exist_ok=True)
        if not (lists / SEG11VALID.name).is_file():
            shutil.copyfile(SEG11VALID, lists / SEG11VALID.name)
