"""Small datasets a compact FCN can learn within seconds, and a recipe sized for tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fcn_studio.data.classes import ClassList, write_classes_json
from fcn_studio.palette import save_label_png
from fcn_studio.training import Recipe

COLOURS = {1: (220, 40, 40), 2: (40, 80, 230)}


def colour_scene(seed: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A noisy grey background with a red rectangle (class 1) and a blue disc (class 2)."""
    rng = np.random.default_rng(seed)
    image = rng.integers(60, 110, (size, size, 3)).astype(np.uint8)
    label = np.zeros((size, size), np.uint8)
    y0, x0 = rng.integers(0, size // 2, 2)
    h, w = rng.integers(size // 4, size // 2, 2)
    label[y0 : y0 + h, x0 : x0 + w] = 1
    cy, cx = rng.integers(size // 4, 3 * size // 4, 2)
    r = rng.integers(size // 8, size // 4)
    yy, xx = np.mgrid[:size, :size]
    label[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = 2
    for k, colour in COLOURS.items():
        image[label == k] = colour
    return image, label


def write_colour_set(root: Path, n_train: int = 8, n_val: int = 4, size: int = 48) -> Path:
    """VOC layout: JPEGImages (PNG), SegmentationClass, train/val lists, classes.json."""
    for folder in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    ids = [f"img_{i:03d}" for i in range(n_train + n_val)]
    for i, name in enumerate(ids):
        image, label = colour_scene(i, size)
        Image.fromarray(image).save(root / "JPEGImages" / f"{name}.png")
        save_label_png(label, root / "SegmentationClass" / f"{name}.png")
    lists = root / "ImageSets/Segmentation"
    (lists / "train.txt").write_text("".join(f"{n}\n" for n in ids[:n_train]))
    (lists / "val.txt").write_text("".join(f"{n}\n" for n in ids[n_train:]))
    palette = np.array([[0, 0, 0], COLOURS[1], COLOURS[2]], np.uint8)
    write_classes_json(root / "classes.json", ClassList(("background", "rectangle", "disc"), palette))
    return root


def quick_recipe(**changes) -> Recipe:
    """Adam at full lr in every stage, no dropout: learns the colour set in a few dozen updates."""
    base = Recipe(name="test", optimizer="adam", lr=2e-3, stage_lr_scale={"32s": 1.0, "16s": 1.0, "8s": 1.0, "atonce": 1.0},
                  images_per_update=4, batch_size=2, iterations=12, eval_every=6, checkpoint_every=3, log_every=1,
                  dropout=False, weight_decay=0.0)
    return base.with_overrides(**changes)


@pytest.fixture(scope="session")
def colour_set(tmp_path_factory) -> Path:
    return write_colour_set(tmp_path_factory.mktemp("colour") / "set")
