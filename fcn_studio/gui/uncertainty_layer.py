"""The uncertainty layer: where the shown answer is unsure, as a translucent heat over the image.

The value is the margin between the two best classes (`LiveAnswer.margin`, or `margin_of` a head
result's scores): 0 undecided, 1 sure. It is drawn as a uint8 map through a 256-entry table whose
alpha rises with the uncertainty, so sure pixels stay clear and the eye goes where a stroke helps;
the user paints there, not where the model is right already.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

Z_VALUE = 1.25  # above the prediction overlay (1), below the annotation layer (1.5)
MAX_ALPHA = 200


def heat_table() -> np.ndarray:
    """256×4 uint8: uncertainty 0 transparent, rising through orange to magenta, more opaque."""
    u = np.linspace(0.0, 1.0, 256)
    table = np.empty((256, 4), np.uint8)
    table[:, 0] = 255
    table[:, 1] = np.round(200 * (1 - u))
    table[:, 2] = np.round(255 * u ** 2)
    table[:, 3] = np.round(MAX_ALPHA * u ** 0.75)
    return table


def uncertainty_image(margin: np.ndarray) -> np.ndarray:
    """uint8 H×W, 255 where the two best classes tie, 0 where one is certain."""
    return np.round(255 * (1.0 - np.clip(margin, 0.0, 1.0))).astype(np.uint8)


class UncertaintyLayer(pg.ImageItem):
    """One margin map in image-pixel coordinates, like the overlay it sits on."""

    def __init__(self) -> None:
        super().__init__(autoLevels=False)
        self.setZValue(Z_VALUE)
        self.setLookupTable(heat_table())
        self.values: np.ndarray | None = None  # the uint8 map drawn (None: nothing)

    def show_margin(self, margin: np.ndarray | None) -> None:
        if margin is None:
            self.values = None
            self.clear()
            return
        self.values = uncertainty_image(margin)
        self.setImage(self.values, levels=(0, 255), autoLevels=False)
