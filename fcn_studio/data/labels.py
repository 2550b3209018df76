"""Reading label masks and checking them against their image and the dataset's classes.

Masks come as palette PNGs (VOC: the pixel values are the class indices), grey index PNGs, or, in
users' own folders, RGB images painted in the class colours. All become H×W uint8 indices with 255
for void; anything that cannot be a valid label raises DatasetError naming the file, because a
silent wrong label only shows up as a mysteriously bad model days later.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DatasetError, ImageLoadError
from ..images import load_image, open_image
from ..palette import VOID_LABEL, voc_color

_INDEX_MODES = ("P", "L", "1", "I;16", "I;16B", "I;16L", "I", "LA", "PA")
_COLOUR_MODES = ("RGB", "RGBA", "RGBX")


def read_label(path: str | Path, palette: np.ndarray) -> np.ndarray:
    """A mask file → H×W uint8 class indices (255 void). `palette` decodes RGB masks."""
    try:
        img = open_image(path)
    except ImageLoadError as exc:
        raise DatasetError(path, f"label image unreadable: {exc.reason}") from None
    if img.mode in ("LA", "PA"):
        img = img.getchannel(0)
    if img.mode in _INDEX_MODES:
        values = np.asarray(img)
        if values.size and (values.min() < 0 or values.max() > VOID_LABEL):
            raise DatasetError(path, f"label values {int(values.min())}..{int(values.max())} do not fit 0..255")
        return values.astype(np.uint8)
    if img.mode in _COLOUR_MODES:
        return colours_to_labels(np.asarray(img.convert("RGB")), palette, path)
    raise DatasetError(path, f"unsupported label image mode {img.mode!r}; use a palette or greyscale PNG")


def colours_to_labels(rgb: np.ndarray, palette: np.ndarray, path: str | Path) -> np.ndarray:
    """An RGB mask painted in the palette's colours → indices; the VOC void colour → 255."""
    palette = np.asarray(palette, dtype=np.int64).reshape(-1, 3)
    keys = _pack(palette)
    void_key = _pack(np.array([voc_color(VOID_LABEL)]))[0]
    lookup = {int(k): i for i, k in reversed(list(enumerate(keys)))}
    lookup.setdefault(int(void_key), VOID_LABEL)
    packed = _pack(rgb.reshape(-1, 3).astype(np.int64))
    colours, inverse = np.unique(packed, return_inverse=True)
    unknown = [int(c) for c in colours if int(c) not in lookup]
    if unknown:
        shown = ", ".join(f"({c >> 16}, {(c >> 8) & 255}, {c & 255})" for c in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise DatasetError(path, f"RGB mask has colours that are not class colours: {shown}{more}")
    table = np.array([lookup[int(c)] for c in colours], dtype=np.uint8)
    return table[inverse].reshape(rgb.shape[:2])


def _pack(rgb: np.ndarray) -> np.ndarray:
    return (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]


def check_label(label: np.ndarray, num_classes: int, path: str | Path) -> None:
    """Raise DatasetError naming the file and the values that are neither a class nor void."""
    values = np.unique(label)
    bad = values[(values >= num_classes) & (values != VOID_LABEL)]
    if bad.size:
        shown = ", ".join(str(int(v)) for v in bad[:10]) + (" …" if bad.size > 10 else "")
        raise DatasetError(path, f"label values {shown} are outside the {num_classes} classes "
                           f"(0..{num_classes - 1}, {VOID_LABEL} = void); a classes.json beside the data sets the classes")


def check_sizes(rgb: np.ndarray, label: np.ndarray, image_path: str | Path, label_path: str | Path) -> None:
    """Raise DatasetError naming both files when the mask does not cover the image pixel for pixel."""
    if rgb.shape[:2] != label.shape[:2]:
        h, w = rgb.shape[:2]
        lh, lw = label.shape[:2]
        raise DatasetError(label_path, f"label is {lw}×{lh} but its image {image_path} is {w}×{h}")


def load_pair(image_path: Path, label_path: Path, num_classes: int, palette: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Read, decode and check one (image, label) pair; the dataset classes' shared `load`."""
    return checked_pair(load_rgb(image_path), read_label(label_path, palette), image_path, label_path, num_classes)


def load_rgb(image_path: Path) -> np.ndarray:
    """A dataset image as H×W×3 uint8; an unreadable one is a DatasetError naming it."""
    try:
        return load_image(image_path)
    except ImageLoadError as exc:
        raise DatasetError(image_path, f"image unreadable: {exc.reason}") from None


def checked_pair(rgb: np.ndarray, label: np.ndarray, image_path: Path, label_path: Path, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    check_sizes(rgb, label, image_path, label_path)
    check_label(label, num_classes, label_path)
    return rgb, label

