"""Reading any image a user may hand us into an H×W×3 uint8 RGB array.

Every failure becomes an `ImageLoadError` whose message names the file and the problem, so the
CLI and the GUI can show it as it is.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

ImageLike = Union[str, os.PathLike, Image.Image, np.ndarray]


class ImageLoadError(Exception):
    """An image could not be read; the message names the file and says why."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def load_image(image: ImageLike) -> np.ndarray:
    """Any path, PIL image or array → H×W×3 uint8 RGB, EXIF orientation applied."""
    if isinstance(image, np.ndarray):
        return array_to_rgb(image, "array")
    if isinstance(image, Image.Image):
        return pil_to_rgb(image, getattr(image, "filename", "") or "PIL image")
    return pil_to_rgb(open_image(image), str(image))


def open_image(path: str | os.PathLike) -> Image.Image:
    """Open and fully decode an image file, turning every failure into an ImageLoadError."""
    name = str(path)
    p = Path(path)
    if not p.exists():
        raise ImageLoadError(name, "no such file")
    if p.is_dir():
        raise ImageLoadError(name, "is a folder, not an image file")
    if p.stat().st_size == 0:
        raise ImageLoadError(name, "the file is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(p)
            img.load()
    except PermissionError:
        raise ImageLoadError(name, "permission denied") from None
    except UnidentifiedImageError:
        raise ImageLoadError(name, "not an image file Pillow can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(name, f"image too large to open safely ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageLoadError(name, f"corrupt or truncated image ({exc})") from None
    return img


def pil_to_rgb(img: Image.Image, name: str = "image") -> np.ndarray:
    """Convert every PIL mode we meet (L, LA, P, RGBA, CMYK, I;16, I, F, …) to RGB uint8."""
    try:
        img = ImageOps.exif_transpose(img)
    except (OSError, ValueError, SyntaxError):
        pass  # a broken EXIF block must not hide a readable image
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return array_to_rgb(np.asarray(img), name)
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode != "RGB":
        img = img.convert("RGB")
    return np.array(img, dtype=np.uint8)  # a writable copy: torch refuses read-only buffers


def array_to_rgb(arr: np.ndarray, name: str = "array") -> np.ndarray:
    """H×W, H×W×1, H×W×3 or H×W×4 array of any numeric type → H×W×3 uint8."""
    arr = np.asarray(arr)
    if arr.ndim == 3 and arr.shape[2] in (1, 3, 4):
        arr = arr[..., :3] if arr.shape[2] != 1 else arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3) or arr.size == 0:
        raise ImageLoadError(name, f"unsupported image array shape {arr.shape}")
    if arr.dtype != np.uint8:
        arr = _to_uint8(arr)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    return np.ascontiguousarray(arr)


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    """Integer images are scaled from their type's range (16-bit → /257); floats from 0..1."""
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8) * 255
    if np.issubdtype(arr.dtype, np.integer):
        top = 65535 if arr.max(initial=0) > 255 else 255
        return (arr.astype(np.float64) * (255.0 / top)).round().clip(0, 255).astype(np.uint8)
    arr = np.nan_to_num(arr.astype(np.float64))
    if arr.max(initial=0) > 1.0:
        return arr.round().clip(0, 255).astype(np.uint8)
    return (arr * 255.0).round().clip(0, 255).astype(np.uint8)
