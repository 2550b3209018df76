"""A model's own images, for the agreement gate that reduced precision (bf16, int8) must pass
before the default path may use it (issue #29), and for int8's calibration.

"Own" means what the model learned from: the synthetic scenes of a shipped model (`own_scenes`),
else the dataset folder its training run recorded in `notes["data"]` — a trainer run's dataset,
an annotation project's painted images. The gate compares reduced precision's labels with fp32's,
not with the truth, so the training images serve (the held-out split first where there is one);
a model with neither gets exact paths only. Images are scaled to at most `MAX_SIDE` px: the gate
runs every candidate on each, and a folder of camera photos would take minutes at full size.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..engine.backends.calibration import CALIBRATION_IMAGES, Calibration, from_rgb
from ..errors import FileProblem
from ..images import load_image
from .detect import open_dataset
from .synthetic.own_scenes import own_scenes

log = logging.getLogger(__name__)

MAX_SIDE = 384


def own_images(model: torch.nn.Module) -> Calibration | None:
    """The model's own images (calibration and held-out halves), or None where it has none."""
    scenes = own_scenes(model)
    if scenes is not None:
        return scenes
    notes = getattr(getattr(model, "info", None), "notes", None) or {}
    folder = notes.get("data")
    if not isinstance(folder, str) or not Path(folder).is_dir():
        return None
    # The held-out split, the training split, then the whole folder (an annotation project's
    # images without strokes yet are its own images too: the gate needs no labels).
    splits = [s for s in (notes.get("val_split"), notes.get("train_split")) if isinstance(s, str) and s] + [None]
    wanted = 2 * CALIBRATION_IMAGES
    paths: dict[Path, None] = {}  # in order, each once, at most `wanted` (a VOC split lists ~1,500)
    for split in splits:
        if len(paths) >= wanted:
            break
        try:
            data = open_dataset(folder, split)
        except (FileProblem, OSError, ValueError) as exc:
            log.info("no own images from %s (%s): %s", folder, split or "all", exc)
            continue
        for i in range(len(data)):
            if len(paths) >= wanted:
                break
            paths.setdefault(data.image_path(i))
    rgbs = []
    for path in paths:
        try:
            rgbs.append(scaled(load_image(path)))
        except (FileProblem, OSError, ValueError) as exc:  # a damaged file costs that image, not the gate
            log.info("own image left out: %s", exc)
    if len(rgbs) < 2:
        return None
    return from_rgb(f"{len(rgbs)} images of {folder} (at most {MAX_SIDE} px)", rgbs[0::2], rgbs[1::2], model)


def scaled(rgb: np.ndarray, side: int = MAX_SIDE) -> np.ndarray:
    """`rgb` with its longer side at most `side` px (aspect kept; smaller images unchanged)."""
    if max(rgb.shape[:2]) <= side:
        return rgb
    image = Image.fromarray(rgb)
    image.thumbnail((side, side), Image.Resampling.BILINEAR)
    return np.array(image)  # writable: torch.from_numpy warns on a read-only view
