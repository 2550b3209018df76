"""Class colours: the PASCAL VOC palette and the label PNGs that carry it.

Label images are written as 8-bit palette ('P') PNGs, exactly like VOC's SegmentationClass, so
`np.array(Image.open(p))` gives class indices back and 255 stays the void label.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .files import write_file

VOID_LABEL = 255

VOC_CLASSES: tuple[str, ...] = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair",
    "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
    "train", "tvmonitor",
)


def voc_color(label: int) -> tuple[int, int, int]:
    """Colour of one label by the VOC bit-interleaving rule (REF `vis.make_palette`)."""
    r = g = b = 0
    k = label
    for i in range(8):
        r |= ((k >> 0) & 1) << (7 - i)
        g |= ((k >> 1) & 1) << (7 - i)
        b |= ((k >> 2) & 1) << (7 - i)
        k >>= 3
    return r, g, b


def voc_palette(n: int = 256) -> np.ndarray:
    """n×3 uint8 palette; label 255 gets (224, 224, 192) like VOC's void."""
    return np.array([voc_color(k) for k in range(n)], dtype=np.uint8)


def colorize(labels: np.ndarray, palette: np.ndarray | None = None) -> np.ndarray:
    """H×W labels → H×W×3 uint8 colours (labels beyond the palette wrap to void colour)."""
    pal = voc_palette() if palette is None else _full_palette(palette)
    return pal[np.asarray(labels, dtype=np.int64).clip(0, 255)]


def label_png(labels: np.ndarray, palette: np.ndarray | None = None) -> Image.Image:
    """Labels as a VOC-style palette image (indices preserved, colours for viewers)."""
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels must be H×W, got shape {labels.shape}")
    if labels.min(initial=0) < 0 or labels.max(initial=0) > 255:
        raise ValueError("labels must lie in 0..255 to be stored in a palette PNG")
    img = Image.fromarray(labels.astype(np.uint8), mode="P")
    pal = voc_palette() if palette is None else _full_palette(palette)
    img.putpalette(pal.reshape(-1).tolist())
    return img


def save_label_png(labels: np.ndarray, path: str | Path, palette: np.ndarray | None = None) -> None:
    """Write `label_png(labels, palette)` atomically: a full disk or a read-only folder is an
    OutputError and leaves no partial file."""
    img = label_png(labels, palette)
    write_file(path, lambda tmp: img.save(tmp, format="PNG"), "label PNG")


def _full_palette(palette: np.ndarray) -> np.ndarray:
    """Extend a class palette to 256 entries with VOC colours (so 255 is the void colour)."""
    palette = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    full = voc_palette()
    full[: min(len(palette), 255)] = palette[:255]
    return full
