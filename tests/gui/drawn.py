"""What an image pane puts on screen, read back for the tests (no widget keeps a probe for them)."""

import numpy as np
import pyqtgraph as pg


def _drawn(item: pg.ImageItem) -> np.ndarray | None:
    """The RGBA of a label layer: each label's table colour, its alpha scaled by the layer's opacity
    (what a pixel-by-pixel overlay would have been)."""
    if item.image is None:
        return None
    rgba = item.lut[item.image]
    rgba[..., 3] = np.round(rgba[..., 3] * item.opacity())
    return rgba


def drawn_overlay(pane) -> np.ndarray | None:
    return _drawn(pane.overlay)


def drawn_marks(pane) -> np.ndarray | None:
    return _drawn(pane.marks)
