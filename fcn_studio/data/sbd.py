"""SBD, the Hariharan et al. set the paper trains on (`benchmark.tgz`).

    ROOT/img/<id>.jpg
    ROOT/cls/<id>.mat      MATLAB struct GTcls with field Segmentation: H×W class indices
    ROOT/train.txt, ROOT/val.txt

ROOT is `benchmark_RELEASE/dataset`; its parents `benchmark_RELEASE` or the folder holding it work
too. Classes are the 21 VOC ones (SBD has no void label).

Why not torchvision's `SBDataset`: it accepts only the splits train/val/train_noval, does not check
that listed files exist, and returns PIL images rather than checked arrays. Its label access
(`loadmat(p)['GTcls'][0]['Segmentation'][0]`, the reference `SBDDSegDataLayer.load_label`) is what
`read_sbd_label` does. `scipy.io.loadmat` parses MATLAB v5 files itself and never unpickles.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from ..images import IMAGE_SUFFIXES
from .file_dataset import ListedDataset
from .labels import checked_pair, load_rgb

IMAGE_DIR = "img"
LABEL_DIR = "cls"
LABEL_EXTENSIONS = (".mat",)


def is_sbd_folder(path: Path) -> bool:
    return (path / IMAGE_DIR).is_dir() and (path / LABEL_DIR).is_dir()


def find_sbd_root(root: str | Path) -> Path | None:
    """The folder holding img/ and cls/: ROOT, ROOT/dataset or ROOT/benchmark_RELEASE/dataset."""
    root = Path(root)
    for candidate in (root, root / "dataset", root / "benchmark_RELEASE" / "dataset"):
        if is_sbd_folder(candidate):
            return candidate
    return None


def read_sbd_label(path: str | Path) -> np.ndarray:
    """`GTcls.Segmentation` of an SBD .mat file as H×W uint8 indices."""
    from scipy.io import loadmat  # the only user of scipy; importing it costs a few hundred ms
    from scipy.io.matlab import MatReadError

    try:
        mat = loadmat(os.fspath(path), variable_names=["GTcls"])
    except FileNotFoundError:
        raise DatasetError(path, "no such file") from None
    except NotImplementedError:
        raise DatasetError(path, "MATLAB v7.3 (HDF5) .mat files are not supported; save as v5 or convert to PNG") from None
    except (MatReadError, OSError, ValueError, TypeError, KeyError) as exc:
        raise DatasetError(path, f"not a readable MATLAB .mat file ({exc})") from None
    gt = mat.get("GTcls")
    if gt is None or gt.dtype.names is None or "Segmentation" not in gt.dtype.names:
        raise DatasetError(path, "no GTcls.Segmentation in this .mat file (not an SBD cls/ file?)")
    seg = np.asarray(gt["Segmentation"].flat[0])
    if seg.ndim != 2 or seg.dtype.kind not in "iuf":
        raise DatasetError(path, f"GTcls.Segmentation is not a 2-D label array (shape {seg.shape}, {seg.dtype})")
    if seg.size and (seg.min() < 0 or seg.max() > 255 or not np.array_equal(seg, np.round(seg))):
        raise DatasetError(path, "GTcls.Segmentation holds values that are not class indices 0..255")
    return seg.astype(np.uint8)


class SBDDataset(ListedDataset):
    """SBD's img/ + cls/*.mat with its train/val lists (or any list file given as a path)."""

    image_dir, label_dir = IMAGE_DIR, LABEL_DIR
    image_extensions, label_extensions = IMAGE_SUFFIXES, LABEL_EXTENSIONS
    layout_hint = (f"not an SBD folder: expected {IMAGE_DIR}/ and {LABEL_DIR}/ "
                   "(or benchmark_RELEASE/dataset/ holding them)")

    def __init__(self, root: str | os.PathLike, split: str | os.PathLike = "train"):
        super().__init__(root, split, find_sbd_root, lambda base: base)

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        image_path, label_path = self._images[index], self._labels[index]
        return checked_pair(load_rgb(image_path), read_sbd_label(label_path), image_path, label_path, self.num_classes)

    def __repr__(self) -> str:
        return f"SBDDataset({str(self.root)!r}, split={self.split_file.stem!r}, {len(self)} images)"
