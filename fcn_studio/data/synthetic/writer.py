"""Writing a synthetic set to disk in the VOC layout, and the same scenes as an in-memory dataset.

Scene i always comes from the generator seeded by (seed, i), so `SyntheticScenes(n, size, seed)[i]`
equals image i of `make_synthetic(out, n, size, seed)`, any subset can be re-rendered alone, and
two runs with one seed write byte-identical files (PNG carries no timestamps; same numpy and
Pillow versions assumed — float rounding in another build could move a pixel by one level).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Callable

import numpy as np

from ..classes import CLASSES_FILE, write_classes_json
from ..dataset import SegmentationDataset
from ...files import write_text
from ...images import save_image
from ...palette import save_label_png
from ..voc import IMAGE_DIR, LABEL_DIR, LISTS_DIR
from .classes import scene_class_list
from .scene import render_scene

log = logging.getLogger(__name__)

GENERATOR_VERSION = 2
Progress = Callable[[int, int], None]


def scene_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of scene `index` of the set with `seed` (independent streams per scene)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def scene_id(index: int) -> str:
    return f"scene_{index:06d}"


def split_ids(n: int, seed: int, val_fraction: float) -> tuple[list[str], list[str]]:
    """Random but seed-determined train/val split; both non-empty whenever n ≥ 2 and 0 < fraction < 1."""
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    n_val = int(round(n * val_fraction))
    if val_fraction > 0 and n >= 2:
        n_val = min(max(n_val, 1), n - 1)
    order = np.random.default_rng(np.random.SeedSequence(seed)).permutation(n)
    val = set(order[:n_val].tolist())
    return [scene_id(i) for i in range(n) if i not in val], [scene_id(i) for i in sorted(val)]


def make_synthetic(out: str | os.PathLike, n: int, size: int = 128, seed: int = 0, val_fraction: float = 0.2,
                   progress: Progress | None = None, overwrite: bool = False) -> Path:
    """Write n scenes of size×size px in the VOC layout under `out`; returns `out`.

    Images go to JPEGImages/ as lossless PNG (JPEG would smear the 1-px wires the set is about),
    labels to SegmentationClass/ as palette PNGs, lists to ImageSets/Segmentation/{train,val}.txt,
    names and colours to classes.json. An existing non-empty `out` is refused unless `overwrite`,
    which replaces only those four entries. `progress(done, n)` is called after each image.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    train, val = split_ids(n, seed, val_fraction)
    root = Path(out)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        if not overwrite or not root.is_dir():
            raise FileExistsError(f"{root}: already exists and is not an empty folder")
        for name in (IMAGE_DIR, LABEL_DIR, str(LISTS_DIR), CLASSES_FILE):
            target = root / name
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
    for folder in (root / IMAGE_DIR, root / LABEL_DIR, root / LISTS_DIR):
        folder.mkdir(parents=True, exist_ok=True)
    classes = scene_class_list()
    log.debug("writing %d synthetic scenes of %d px (seed %d) to %s", n, size, seed, root)
    for i in range(n):
        rgb, label = render_scene(scene_rng(seed, i), size)
        save_image(rgb, root / IMAGE_DIR / f"{scene_id(i)}.png", "scene", compress_level=3)
        save_label_png(label, root / LABEL_DIR / f"{scene_id(i)}.png", classes.palette)
        if progress is not None:
            progress(i + 1, n)
    for name, ids in (("train", train), ("val", val), ("trainval", sorted(train + val))):
        write_text(root / LISTS_DIR / f"{name}.txt", "".join(f"{i}\n" for i in ids), "split list")
    write_classes_json(root / CLASSES_FILE, classes, generator={
        "name": "fcn-studio synthetic scenes", "version": GENERATOR_VERSION, "n": n, "size": size,
        "seed": seed, "val_fraction": val_fraction})
    return root


class SyntheticScenes(SegmentationDataset):
    """The scenes of `make_synthetic(…, n, size, seed)` rendered on demand, never touching disk.

    For tests and quick experiments; it has no files, so `image_path`/`label_path` stay unimplemented.
    """

    def __init__(self, n: int, size: int = 128, seed: int = 0):
        classes = scene_class_list()
        super().__init__(f"<synthetic seed={seed} size={size}>", list(classes.names), classes.palette)
        self.size, self.seed = size, seed
        self.ids = [scene_id(i) for i in range(n)]

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self.ids):
            raise IndexError(f"scene {index} out of range 0..{len(self.ids) - 1}")
        return render_scene(scene_rng(self.seed, index), self.size)

    def __repr__(self) -> str:
        return f"SyntheticScenes(n={len(self)}, size={self.size}, seed={self.seed})"
