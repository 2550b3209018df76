"""The app's sample images: held-out synthetic scenes with their truth beside them.

`resources/samples/` is what the app opens first, so it is made like everything shipped: from
numbers (count, size, seed) by the release that trains the shipped models, never by hand. Each
scene is `scene-NN.png` with `scene-NN_mask.png` beside it, the name the app looks for when it
shows the ground truth.
"""

from __future__ import annotations

from pathlib import Path

from ...images import save_image
from ...palette import save_label_png
from .classes import scene_class_list
from .scene import render_scene
from .writer import scene_rng


def write_samples(folder: Path, n: int, size: int, seed: int) -> list[Path]:
    """Write scenes 0..n−1 of the set with `seed` as the app's samples; returns the image paths."""
    folder.mkdir(parents=True, exist_ok=True)
    palette = scene_class_list().palette
    written = []
    for i in range(n):
        rgb, label = render_scene(scene_rng(seed, i), size)
        image = folder / f"scene-{i + 1:02d}.png"
        save_image(rgb, image, "sample image")
        save_label_png(label, folder / f"scene-{i + 1:02d}_mask.png", palette)
        written.append(image)
    return written
