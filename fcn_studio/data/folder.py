"""Users' own data: a folder of images and a folder of masks, matched by file name.

Accepted layouts:

    ROOT/images/<name>.<png|jpg|jpeg|bmp|tif|tiff|webp|ppm>
    ROOT/masks/<name>.png           (or ROOT/labels/; <name>_mask.png matches too; .bmp/.tif/.gif too)
    ROOT/classes.json               optional; else the 21 VOC classes
    ROOT/train.txt, ROOT/val.txt …  optional lists of names, one per line

or one such images/ + masks/ pair per split:

    ROOT/train/images/, ROOT/train/masks/, ROOT/val/images/, ROOT/val/masks/

Masks are palette PNGs or greyscale PNGs whose pixel values are class indices (255 = void), or RGB
images painted in the class colours of classes.json. Lossy JPEG masks are not accepted: their
compression invents colours at every edge.

`split="all"` takes every image (in the per-split layout: every split folder, ids `train/<name>`);
another name takes `ROOT/<name>.txt` or the folder `ROOT/<name>/`; a path takes that list file. A
flat folder without any list file still has "train" and "val": every 10th image by name validates.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatasetError
from ..images import IMAGE_SUFFIXES
from .classes import classes_for_root
from .file_dataset import FileDataset
from .splits import SplitEntry, index_folder, match_files, read_split_file, require_folder, resolve_split

log = logging.getLogger(__name__)

IMAGE_DIR = "images"
MASK_DIRS = ("masks", "labels")
# Users' folders are mostly PNG: a PNG wins a tie of stems and names the file a list line lacks.
IMAGE_EXTENSIONS = (".png", *(s for s in IMAGE_SUFFIXES if s != ".png"))
MASK_EXTENSIONS = (".png", ".bmp", ".tif", ".tiff", ".gif")
MASK_SUFFIXES = ("", "_mask")
ALL = "all"
# With no split lists, the default "train"/"val" splits divide the images: one in HOLDOUT_EVERY validates.
HOLDOUT_SPLITS = ("train", "val")
HOLDOUT_EVERY = 10


@dataclass(frozen=True)
class FolderPair:
    """One images/ folder and the masks/ folder beside it; `prefix` starts the ids it gives."""

    images: Path
    masks: Path
    prefix: str = ""


def pair_in(folder: Path, prefix: str = "") -> FolderPair | None:
    if not (folder / IMAGE_DIR).is_dir():
        return None
    for name in MASK_DIRS:
        if (folder / name).is_dir():
            return FolderPair(folder / IMAGE_DIR, folder / name, prefix)
    return None


def split_pairs(root: Path) -> dict[str, FolderPair]:
    """The per-split layout: subfolder name → its images/masks pair."""
    pairs = {}
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        pair = pair_in(sub, f"{sub.name}/")
        if pair is not None:
            pairs[sub.name] = pair
    return pairs


def is_image_folder(root: str | Path) -> bool:
    """True when ROOT has images/ + masks/ (or labels/), directly or in split subfolders."""
    root = Path(root)
    return root.is_dir() and (pair_in(root) is not None or bool(split_pairs(root)))


def _strip_image_extension(name: str) -> str:
    """List files may name `cat.jpg` or just `cat`."""
    return os.path.splitext(name)[0] if name.lower().endswith(IMAGE_EXTENSIONS) else name


class FolderDataset(FileDataset):
    """Images and masks matched by stem; see the module docstring for the layouts."""

    def __init__(self, root: str | os.PathLike, split: str | os.PathLike = ALL):
        root = Path(root)
        require_folder(root)
        classes = classes_for_root(root)
        super().__init__(root, list(classes.names), classes.palette)
        self.split = os.fspath(split)
        flat = pair_in(root)
        if flat is not None and self.split in HOLDOUT_SPLITS and not any(root.glob("*.txt")):
            self._from_folder(flat)
            self._hold_out(self.split == "val")
        elif flat is not None and self.split != ALL:
            self._from_list(flat, resolve_split(self.split, root, root))
        elif flat is not None:
            self._from_folder(flat)
        else:
            self._from_split_folders(root)
        if not self.ids:
            raise DatasetError(root, f"no images found for split {self.split!r}")

    def _from_list(self, pair: FolderPair, list_file: Path) -> None:
        entries = [SplitEntry(_strip_image_extension(e.id), e.line) for e in read_split_file(list_file)]
        (self._images,) = match_files(entries, list_file, [(pair.images, IMAGE_EXTENSIONS, "image")])
        masks = index_folder(pair.masks, MASK_EXTENSIONS)
        self._labels = [self._mask_for(image, masks, pair) for image in self._images]
        self.ids = [e.id for e in entries]
        self._listed = [f"line {e.line} of {list_file}" for e in entries]

    def _from_folder(self, pair: FolderPair) -> None:
        images = index_folder(pair.images, IMAGE_EXTENSIONS)
        masks = index_folder(pair.masks, MASK_EXTENSIONS)
        used = set()
        for stem in sorted(images):
            mask = self._mask_for(images[stem], masks, pair)
            used.add(mask.stem)
            self.ids.append(pair.prefix + stem)
            self._images.append(images[stem])
            self._labels.append(mask)
        stray = sorted(set(masks) - used)
        if stray:
            log.warning("%s: %d masks without an image (e.g. %s)", pair.masks, len(stray), masks[stray[0]].name)

    def _hold_out(self, validation: bool) -> None:
        """Without split lists, train/val are a fixed division of the images sorted by name: every
        `HOLDOUT_EVERY`-th (at least one) is validation, so the default flags train on a bare folder."""
        n = len(self.ids)
        every = max(1, min(HOLDOUT_EVERY, n))
        keep = [i for i in range(n) if (i % every == every - 1) == validation] if n > 1 else ([] if validation else [0])
        log.info("%s has no split lists (train.txt, val.txt): %s on %d of %d images (1 in %d by name is held out "
                 "for validation)", self.root, "validating" if validation else "training", len(keep), n, every)
        self.ids = [self.ids[i] for i in keep]
        self._images = [self._images[i] for i in keep]
        self._labels = [self._labels[i] for i in keep]

    def _from_split_folders(self, root: Path) -> None:
        pairs = split_pairs(root)
        if not pairs:
            raise DatasetError(root, f"not an image folder: expected {IMAGE_DIR}/ and {' or '.join(MASK_DIRS)}/ "
                               f"(or train/{IMAGE_DIR}/ + train/{MASK_DIRS[0]}/ …)")
        if self.split == ALL:
            chosen = list(pairs.values())
        elif self.split in pairs:
            chosen = [pairs[self.split]]
        else:
            raise DatasetError(root / self.split, f"no such split folder; splits here: {', '.join(pairs)}")
        for pair in chosen:
            self._from_folder(pair)

    @staticmethod
    def _mask_for(image: Path, masks: dict[str, Path], pair: FolderPair) -> Path:
        for suffix in MASK_SUFFIXES:
            mask = masks.get(image.stem + suffix)
            if mask is not None:
                return mask
        raise DatasetError(image, f"no mask for this image: looked for {pair.masks / image.stem}.png "
                           f"(or {image.stem}_mask, and {', '.join(MASK_EXTENSIONS[1:])})")

    def __repr__(self) -> str:
        return f"FolderDataset({str(self.root)!r}, split={self.split!r}, {len(self)} images, {self.num_classes} classes)"
