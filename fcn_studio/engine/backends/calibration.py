"""A model's own images, for int8 calibration and the agreement gate.

The engine knows no dataset: a caller passes the images (`Calibration`), or a function that makes
them for a model only when int8 is tried (`CalibrationSource`; the shipped synthetic-scenes models'
is `data.synthetic.own_scenes.own_scenes`). Models without images get no int8 path.

The held-out images come at the training size and at half of it: int8's agreement falls on
smaller images (fewer pixels far from a boundary), and users segment images of any size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

import numpy as np
import torch

from ...images import IMAGE_SUFFIXES
from ..model_info import to_input

CALIBRATION_IMAGES = 16


@dataclass
class Calibration:
    """Normalised N×3×H×W float32 inputs: ranges come from `images`, the gate scores `held_out`."""

    source: str
    images: list[np.ndarray]
    held_out: list[np.ndarray]


CalibrationSource = Union[Calibration, Callable[[torch.nn.Module], Union[Calibration, None]]]


def resolve_calibration(source: CalibrationSource | None, model: torch.nn.Module) -> Calibration | None:
    """The images of `source`: itself, or what the function makes for `model` (called only now,
    when int8 is tried, so that opening a model renders nothing)."""
    return source(model) if callable(source) else source


def from_rgb(source: str, images: list[np.ndarray], held_out: list[np.ndarray], model: torch.nn.Module) -> Calibration:
    """Calibration from H×W×3 uint8 RGB images, in the model's input convention."""
    def prepare(rgbs: list[np.ndarray]) -> list[np.ndarray]:
        return [to_input(rgb, model.info.input).numpy() for rgb in rgbs]

    return Calibration(source, prepare(images), prepare(held_out))


def from_folder(folder: str | Path, model: torch.nn.Module, limit: int = 2 * CALIBRATION_IMAGES) -> Calibration:
    """The images of `folder` (sorted, at most `limit`): every other one calibrates, the rest are
    held out for the gate. For models trained on data we don't ship (a VOC FCN): the user's own."""
    from ...images import load_image

    paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)[:limit]
    if len(paths) < 2:
        raise ValueError(f"{folder}: int8 calibration needs at least 2 images (one to calibrate, one to check)")
    rgbs = [load_image(p) for p in paths]
    return from_rgb(f"{len(paths)} images of {folder}", rgbs[0::2], rgbs[1::2], model)
