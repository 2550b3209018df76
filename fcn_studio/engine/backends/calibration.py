"""A model's own images, for int8 calibration and the agreement gate.

A model file says what it was trained on (`info.notes["family"]`); for the synthetic-scenes family
(the shipped models) the scenes are rendered here, from seeds that are neither the training seed
nor the test seed, at the training size. Other models have no images we could ship or download,
so they get no int8 path unless the caller passes images of their own (`Calibration`).

The held-out images come at the training size and at half of it: int8's agreement falls on
smaller images (fewer pixels far from a boundary), and users segment images of any size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

CALIBRATION_SEED = 4242
HELD_OUT_SEED = 4243
CALIBRATION_IMAGES = 16
HELD_OUT_IMAGES = 20
DEFAULT_SIZE = 192
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


@dataclass
class Calibration:
    """Normalised N×3×H×W float32 inputs: ranges come from `images`, the gate scores `held_out`."""

    source: str
    images: list[np.ndarray]
    held_out: list[np.ndarray]


def from_rgb(source: str, images: list[np.ndarray], held_out: list[np.ndarray], model: torch.nn.Module) -> Calibration:
    """Calibration from H×W×3 uint8 RGB images, in the model's input convention."""
    from ..predictor import to_input  # the predictor imports this package: import at call time

    def prepare(rgbs: list[np.ndarray]) -> list[np.ndarray]:
        return [to_input(rgb, model.info.input).numpy() for rgb in rgbs]

    return Calibration(source, prepare(images), prepare(held_out))


def own_data(model: torch.nn.Module) -> Calibration | None:
    """Synthetic scenes for a synthetic-scenes model (the classes it knows), else None."""
    info = getattr(model, "info", None)
    notes = getattr(info, "notes", None) or {}
    if notes.get("family") != "synthetic-scenes":
        return None
    from ...data.synthetic import SyntheticScenes

    size = int(notes.get("data", {}).get("train", {}).get("size", DEFAULT_SIZE))
    calib = SyntheticScenes(CALIBRATION_IMAGES, size, CALIBRATION_SEED)
    held = [SyntheticScenes(HELD_OUT_IMAGES, size, HELD_OUT_SEED), SyntheticScenes(HELD_OUT_IMAGES // 2, size // 2, HELD_OUT_SEED)]
    source = (f"synthetic scenes: {CALIBRATION_IMAGES} of {size} px to calibrate (seed {CALIBRATION_SEED}), "
              f"{HELD_OUT_IMAGES} of {size} px and {HELD_OUT_IMAGES // 2} of {size // 2} px held out (seed {HELD_OUT_SEED})")
    return from_rgb(source, [calib.load(i)[0] for i in range(len(calib))],
                    [s.load(i)[0] for s in held for i in range(len(s))], model)


def from_folder(folder: str | Path, model: torch.nn.Module, limit: int = 2 * CALIBRATION_IMAGES) -> Calibration:
    """The images of `folder` (sorted, at most `limit`): every other one calibrates, the rest are
    held out for the gate. For models trained on data we don't ship (a VOC FCN): the user's own."""
    from ...images import load_image

    paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)[:limit]
    if len(paths) < 2:
        raise ValueError(f"{folder}: int8 calibration needs at least 2 images (one to calibrate, one to check)")
    rgbs = [load_image(p) for p in paths]
    return from_rgb(f"{len(paths)} images of {folder}", rgbs[0::2], rgbs[1::2], model)
