"""PASCAL VOC 2011/2012 segmentation layout, and everything written in it (our synthetic scenes).

    ROOT/JPEGImages/<id>.jpg        (.jpeg, .png or any other of images.IMAGE_SUFFIXES too)
    ROOT/SegmentationClass/<id>.png palette PNGs: pixel value = class index, 255 = void
    ROOT/ImageSets/Segmentation/<split>.txt
    ROOT/classes.json               optional; else the 21 VOC classes

ROOT may also be a folder holding `VOCdevkit/VOC2012` (or `VOC2012`, or any other year; the
newest wins), as the VOC tarballs unpack. Any split name works, and `split` may be the path of a
list file, e.g. the paper's `seg11valid.txt` (ids read from the VOC2012 folders, as the reference
code does).

Why not torchvision's `VOCSegmentation`: it accepts only the split names train/val/trainval, requires
the `VOCdevkit/VOC<year>` nesting under its root, hard-codes `.jpg` images (our synthetic scenes are
lossless PNGs in JPEGImages/), and does not check that listed files exist — a missing file surfaces
mid-training as a bare FileNotFoundError with no pointer to the list line.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..images import IMAGE_SUFFIXES
from .file_dataset import ListedDataset

IMAGE_DIR = "JPEGImages"
LABEL_DIR = "SegmentationClass"
LISTS_DIR = Path("ImageSets") / "Segmentation"
LABEL_EXTENSIONS = (".png",)


def is_voc_folder(path: Path) -> bool:
    return (path / IMAGE_DIR).is_dir() and (path / LABEL_DIR).is_dir()


def find_voc_root(root: str | Path) -> Path | None:
    """The folder holding JPEGImages/ and SegmentationClass/: ROOT itself or a VOC<year> inside it."""
    root = Path(root)
    if is_voc_folder(root):
        return root
    for parent in (root, root / "VOCdevkit", root / "TrainVal" / "VOCdevkit"):
        if parent.is_dir():
            years = sorted((p for p in parent.glob("VOC*") if is_voc_folder(p)), key=lambda p: p.name, reverse=True)
            if years:
                return years[0]
    return None


class VOCDataset(ListedDataset):
    """A VOC-layout segmentation set; every listed file is checked to exist when it opens."""

    image_dir, label_dir = IMAGE_DIR, LABEL_DIR
    image_extensions, label_extensions = IMAGE_SUFFIXES, LABEL_EXTENSIONS
    layout_hint = (f"not a PASCAL VOC folder: expected {IMAGE_DIR}/ and {LABEL_DIR}/ "
                   "(or VOCdevkit/VOC2012/ holding them)")

    def __init__(self, root: str | os.PathLike, split: str | os.PathLike = "train"):
        super().__init__(root, split, find_voc_root, lambda base: base / LISTS_DIR)

    def __repr__(self) -> str:
        return f"VOCDataset({str(self.root)!r}, split={self.split_file.stem!r}, {len(self)} images, {self.num_classes} classes)"
