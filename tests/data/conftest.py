"""Tiny datasets written on the fly, in each layout the readers accept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fcn_studio.palette import save_label_png

H, W = 6, 8


def image_array(seed: int, h: int = H, w: int = W) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def label_array(seed: int, h: int = H, w: int = W, classes: int = 21) -> np.ndarray:
    label = np.random.default_rng(100 + seed).integers(0, classes, (h, w)).astype(np.uint8)
    label[0, 0] = 255
    return label


def write_voc(root: Path, ids: list[str], split: str = "train", image_ext: str = ".png") -> Path:
    """A VOC tree whose image i is image_array(i) and label label_array(i)."""
    for folder in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(ids):
        Image.fromarray(image_array(i)).save(root / "JPEGImages" / f"{name}{image_ext}")
        save_label_png(label_array(i), root / "SegmentationClass" / f"{name}.png")
    (root / "ImageSets/Segmentation" / f"{split}.txt").write_text("".join(f"{n}\n" for n in ids))
    return root


@pytest.fixture
def voc_root(tmp_path: Path) -> Path:
    return write_voc(tmp_path / "voc", ["2007_000001", "2007_000002", "2008_000003"])


class Tiny:
    """The helpers above, handed to tests as a fixture (test modules cannot import a conftest)."""

    image = staticmethod(image_array)
    label = staticmethod(label_array)
    write_voc = staticmethod(write_voc)


@pytest.fixture
def tiny() -> type[Tiny]:
    return Tiny
