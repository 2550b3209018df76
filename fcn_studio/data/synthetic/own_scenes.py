"""Calibration images for the int8 path of a synthetic-scenes model (the shipped ones).

A model file says what it was trained on: a release writes its scene set into `info.notes["data"]`
(`is_scenes_model`, the one test of "a model of synthetic scenes", which the window's photo note and
model card ask too); for such a model the scenes are rendered from seeds that are neither the training seed nor the test seed, at the
training size. The held-out images come at the training size and at half of it: int8's agreement
falls on smaller images (fewer pixels far from a boundary), and users segment images of any size.
"""

from __future__ import annotations

import torch

from ...engine.backends.calibration import CALIBRATION_IMAGES, Calibration, from_rgb
from .writer import SyntheticScenes

CALIBRATION_SEED = 4242
HELD_OUT_SEED = 4243
HELD_OUT_IMAGES = 20
DEFAULT_SIZE = 192


def is_scenes_model(notes: dict) -> bool:
    """Whether a model's notes say it learned only the synthetic scenes (discs, rings, … on noise):
    a release records its scene settings as `notes["data"] = {"train": {n, size, seed}, …}`."""
    data = notes.get("data")
    return isinstance(data, dict) and isinstance(data.get("train"), dict)


def own_scenes(model: torch.nn.Module) -> Calibration | None:
    """Synthetic scenes for a synthetic-scenes model (the classes it knows), else None."""
    info = getattr(model, "info", None)
    notes = getattr(info, "notes", None) or {}
    if not is_scenes_model(notes):
        return None
    size = int(notes["data"]["train"].get("size", DEFAULT_SIZE))
    calib = SyntheticScenes(CALIBRATION_IMAGES, size, CALIBRATION_SEED)
    held = [SyntheticScenes(HELD_OUT_IMAGES, size, HELD_OUT_SEED), SyntheticScenes(HELD_OUT_IMAGES // 2, size // 2, HELD_OUT_SEED)]
    source = (f"synthetic scenes: {CALIBRATION_IMAGES} of {size} px to calibrate (seed {CALIBRATION_SEED}), "
              f"{HELD_OUT_IMAGES} of {size} px and {HELD_OUT_IMAGES // 2} of {size // 2} px held out (seed {HELD_OUT_SEED})")
    return from_rgb(source, [calib.load(i)[0] for i in range(len(calib))],
                    [s.load(i)[0] for s in held for i in range(len(s))], model)
