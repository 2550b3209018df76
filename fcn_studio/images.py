"""Reading any image a user may hand us into an H×W×3 uint8 RGB array.

Every failure becomes an `ImageLoadError` whose message names the file and the problem, so the
CLI and the GUI can show it as it is.

A few hundred bytes of PNG can claim to be 20000×20000 pixels and take gigabytes to decode (a
decompression bomb), so images over a pixel limit are refused before decoding. The limit is one
setting for the whole process: `FCN_STUDIO_MAX_PIXELS` in the environment, `--max-pixels` on the
command line, or `set_max_image_pixels`; 0 turns the guard off for files you trust.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import warnings
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageLoadError
from .files import write_file

ImageLike = Union[str, os.PathLike, Image.Image, np.ndarray]

log = logging.getLogger(__name__)

# Every file name ending we treat as an image (Pillow decodes them all). Where two files share a
# stem, the earlier suffix wins: JPEG first, as VOC and SBD ship their photos.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".ppm")

MAX_PIXELS_ENV = "FCN_STUDIO_MAX_PIXELS"
DEFAULT_MAX_PIXELS = 100_000_000  # a 10000×10000 image: ~300 MB as RGB, far above any photo we segment


def _limit_from_env() -> int:
    text = os.environ.get(MAX_PIXELS_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_PIXELS
    try:
        return _checked_limit(int(text.replace("_", "")))
    except ValueError:
        log.warning("ignoring %s=%r: not a whole number >= 0; the limit stays %d pixels", MAX_PIXELS_ENV, text, DEFAULT_MAX_PIXELS)
        return DEFAULT_MAX_PIXELS


def _checked_limit(pixels: int) -> int:
    if pixels < 0:
        raise ValueError(f"the pixel limit must be >= 0 (0 = no limit), got {pixels}")
    return pixels


_max_pixels = _limit_from_env()


def max_image_pixels() -> int:
    """The largest width × height `open_image` decodes (0: no limit)."""
    return _max_pixels


def set_max_image_pixels(pixels: int) -> None:
    """Raise or lower the decompression-bomb guard for this process (0 turns it off)."""
    global _max_pixels
    _max_pixels = _checked_limit(int(pixels))


def load_image(image: ImageLike) -> np.ndarray:
    """Any path, PIL image or array → H×W×3 uint8 RGB, EXIF orientation applied."""
    if isinstance(image, np.ndarray):
        return array_to_rgb(image, "array")
    if isinstance(image, Image.Image):
        name, img = getattr(image, "filename", "") or "PIL image", image
    else:
        name, img = str(image), None
    try:
        return pil_to_rgb(img if img is not None else open_image(image), name)
    except MemoryError:
        # With the bomb guard off (--max-pixels 0) a huge image can exhaust memory while decoding
        # or converting; that image fails, the others of a batch still go through.
        raise ImageLoadError(name, "not enough memory to decode this image; segment it on a machine with more "
                             "memory, or keep the pixel limit (--max-pixels) on") from None


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
    limit = _max_pixels
    # Pillow's own guard follows ours: it fails at twice the limit before we see the size; between
    # the two it only warns, and our check below refuses with the image's size in the message.
    Image.MAX_IMAGE_PIXELS = limit or None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(p)  # reads the header only
            _check_pixels(name, img.size, limit)
            img.load()
    except PermissionError:
        raise ImageLoadError(name, "permission denied (the file is not readable by this user)") from None
    except UnidentifiedImageError:
        raise ImageLoadError(name, "not an image file Pillow can read") from None
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise ImageLoadError(name, _too_large(int(found.group(1)) if found else None, limit)) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageLoadError(name, f"corrupt or truncated image ({exc})") from None
    return img


def _check_pixels(name: str, size: tuple[int, int], limit: int) -> None:
    if limit and size[0] * size[1] > limit:
        raise ImageLoadError(name, _too_large(size[0] * size[1], limit, size))


def _too_large(pixels: int | None, limit: int, size: tuple[int, int] | None = None) -> str:
    what = f"{size[0]}×{size[1]} = {pixels:,} pixels" if size else f"{pixels:,} pixels" if pixels else "the image"
    return (f"{what} is over the limit of {limit:,} pixels (a guard against decompression bombs); "
            f"if you trust this file, raise the limit with --max-pixels N or {MAX_PIXELS_ENV}=N (0 = no limit)")


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


def _integer_top(arr: np.ndarray) -> int:
    """Full scale of an integer image: its type's for 8 and 16 bits (a dark 16-bit image whose values
    are all ≤ 255 stays dark). Pillow hands 32-bit images over as int32 without saying how many bits
    they use, so there values over 255 are read as 16-bit and others as 8-bit."""
    if arr.dtype.itemsize <= 2:
        return int(np.iinfo(arr.dtype).max)
    return 65535 if arr.max(initial=0) > 255 else 255


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    """Integer images are scaled from their bit depth (16-bit → /257); floats from 0..1."""
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8) * 255
    if np.issubdtype(arr.dtype, np.integer):
        top = _integer_top(arr)
        return (arr.astype(np.float64) * (255.0 / top)).round().clip(0, 255).astype(np.uint8)
    arr = np.nan_to_num(arr.astype(np.float64))
    if arr.max(initial=0) > 1.0:
        return arr.round().clip(0, 255).astype(np.uint8)
    return (arr * 255.0).round().clip(0, 255).astype(np.uint8)


def save_image(rgb: np.ndarray, path: str | Path, what: str = "image", **options: object) -> Path:
    """Write an H×W×3 (or ×4) uint8 array atomically, in the format of `path`'s suffix (PNG if none).

    Like every file the program writes it goes through `files.write_file`: a failure is an
    OutputError naming `path`, and never leaves a half-written image.
    """
    path = Path(path)
    fmt = Image.registered_extensions().get(path.suffix.lower(), "PNG")
    return write_file(path, lambda tmp: Image.fromarray(rgb).save(tmp, format=fmt, **options), what)


def add_max_pixels_argument(parser: argparse.ArgumentParser) -> None:
    """`--max-pixels N`, for the commands that read images users hand them (beside the limit it sets)."""
    parser.add_argument("--max-pixels", type=_pixel_count, metavar="N",
                        help="refuse images over N pixels (a guard against decompression bombs; default 100 million, "
                        f"or ${MAX_PIXELS_ENV}); 0 = no limit, for huge images you trust")


def _pixel_count(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of pixels >= 0 (0 = no limit), got {text!r}")
    return value
