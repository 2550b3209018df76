"""How a label map is drawn over its image: colour tables, the RGBA overlay, and the blend that
every saved overlay uses (Export overlay, the GUI's batch, `fcn-studio segment --overlay`).

One formula, so a file the CLI wrote and the one the window wrote for the same image and opacity
are the same bytes; the view draws the same table on screen.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from ..palette import VOID_LABEL, colorize

MARK_COLOUR = (255, 0, 255, 230)  # pixels a skip changed: magenta, over every class colour
# Colour table of a changed-pixels map: 0 (unchanged) transparent, anything else magenta. Full 256
# entries: pyqtgraph stretches a shorter table over the 0…255 range of a uint8 image.
MARKS_LUT = np.array([(0, 0, 0, 0)] + [MARK_COLOUR] * 255, dtype=np.uint8)


def label_lut(palette: np.ndarray, hidden: Iterable[int] = (), opacity: float = 1.0) -> np.ndarray:
    """256×4 uint8 colour table of a label map: the palette's colours at `opacity`, hidden classes
    and the void label (255) transparent.

    A view draws the label map through this table, so a legend toggle changes 256 entries, not
    H×W pixels; `table[labels]` is `overlay_rgba(labels, palette, opacity, hidden ∪ {255})`.
    """
    table = np.empty((256, 4), dtype=np.uint8)
    table[:, :3] = colorize(np.arange(256), palette)
    table[:, 3] = _alpha(opacity)
    table[list(hidden) + [VOID_LABEL], 3] = 0
    return table


def overlay_rgba(labels: np.ndarray, palette: np.ndarray, opacity: float, hidden: Iterable[int] = ()) -> np.ndarray:
    """H×W×4 uint8: class colours at `opacity`, fully transparent where a class is hidden."""
    rgba = np.empty(labels.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = colorize(labels, palette)
    alpha = np.full(256, _alpha(opacity), dtype=np.uint8)
    alpha[list(hidden)] = 0
    rgba[..., 3] = alpha[np.asarray(labels, dtype=np.int64).clip(0, 255)]
    return rgba


def blend(rgb: np.ndarray, labels: np.ndarray, palette: np.ndarray, opacity: float, hidden: Iterable[int] = ()) -> np.ndarray:
    """The overlay composited onto the image: what every saved overlay holds. The opacity is
    the 8-bit alpha the screen draws with, so a saved file looks like the window."""
    rgba = overlay_rgba(labels, palette, opacity, hidden).astype(np.float32)
    a = rgba[..., 3:] / 255.0
    return (rgb.astype(np.float32) * (1 - a) + rgba[..., :3] * a).round().astype(np.uint8)


def _alpha(opacity: float) -> int:
    return round(255 * float(np.clip(opacity, 0.0, 1.0)))
