"""`open_dataset`: one call that works out which layout a folder holds.

The CLI and the app take a data root from the user; they should not have to ask "VOC or SBD?".
Layouts are tried from the most to the least specific: VOC (JPEGImages/ + SegmentationClass/,
possibly under VOCdevkit/VOC<year>/), SBD (img/ + cls/), then a plain images/ + masks/ folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import DatasetError
from .dataset import SegmentationDataset
from .folder import ALL, FolderDataset, is_image_folder
from .sbd import SBDDataset, find_sbd_root
from .splits import require_folder
from .voc import VOCDataset, find_voc_root


def detect_layout(root: str | os.PathLike) -> str | None:
    """"voc", "sbd", "folder", or None when ROOT holds none of them."""
    root = Path(root)
    if find_voc_root(root) is not None:
        return "voc"
    if find_sbd_root(root) is not None:
        return "sbd"
    if is_image_folder(root):
        return "folder"
    return None


def open_dataset(root: str | os.PathLike, split: str | os.PathLike | None = None) -> SegmentationDataset:
    """The dataset in ROOT. `split` None means "train" for VOC/SBD and "all" for a plain folder."""
    root = Path(root)
    require_folder(root)
    layout = detect_layout(root)
    if layout == "voc":
        return VOCDataset(root, "train" if split is None else split)
    if layout == "sbd":
        return SBDDataset(root, "train" if split is None else split)
    if layout == "folder":
        return FolderDataset(root, ALL if split is None else split)
    raise DatasetError(root, "no dataset found here: expected PASCAL VOC (JPEGImages/ + SegmentationClass/, or "
                       "VOCdevkit/VOC2012/), SBD (img/ + cls/, or benchmark_RELEASE/dataset/) or images/ + masks/")
