"""A dataset's class names and colours, read from an optional `classes.json` beside the data.

VOC and SBD carry no such file and use the 21 VOC classes; our synthetic scenes and users' own folders
write one so a model trained on them knows its classes without guessing:
`{"class_names": ["background", ...], "palette": [[0, 0, 0], ...]}` (palette optional).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DatasetError
from ..files import write_text
from ..palette import VOC_CLASSES, VOID_LABEL, voc_palette

CLASSES_FILE = "classes.json"


@dataclass(frozen=True)
class ClassList:
    """Class names in label order and their n×3 uint8 colours."""

    names: tuple[str, ...]
    palette: np.ndarray

    @classmethod
    def voc(cls) -> "ClassList":
        return cls(VOC_CLASSES, voc_palette(len(VOC_CLASSES)))


def read_classes_json(path: str | Path) -> ClassList:
    """Parse a classes.json; every malformed part becomes a DatasetError naming the file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DatasetError(path, f"cannot read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(path, f"not valid JSON ({exc})") from None
    names = data.get("class_names") if isinstance(data, dict) else None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise DatasetError(path, 'needs "class_names": a non-empty list of names')
    if len(names) >= VOID_LABEL:
        raise DatasetError(path, f"{len(names)} classes; at most {VOID_LABEL - 1} fit beside the void label {VOID_LABEL}")
    palette = _parse_palette(path, data.get("palette"), len(names))
    return ClassList(tuple(names), palette)


def _parse_palette(path: Path, raw: Any, n: int) -> np.ndarray:
    if raw is None:
        return voc_palette(n)
    try:
        palette = np.array(raw, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):  # OverflowError: inf or a number past int64
        raise DatasetError(path, '"palette" must be a list of [r, g, b] triples') from None
    if palette.shape != (n, 3):
        raise DatasetError(path, f'"palette" has shape {list(palette.shape)}; expected {n} [r, g, b] triples, one per class')
    if palette.min() < 0 or palette.max() > 255:
        raise DatasetError(path, '"palette" values must lie in 0..255')
    return palette.astype(np.uint8)


def write_classes_json(path: str | Path, classes: ClassList, **extra: Any) -> Path:
    """Write names, palette and any extra JSON-able fields (e.g. how the data was made)."""
    path = Path(path)
    data = {"class_names": list(classes.names), "palette": classes.palette.astype(int).tolist(), **extra}
    return write_text(path, json.dumps(data, indent=2) + "\n", "class list")


def classes_for_root(root: str | Path) -> ClassList:
    """`root/classes.json` when present, else the 21 VOC classes."""
    path = Path(root) / CLASSES_FILE
    return read_classes_json(path) if path.is_file() else ClassList.voc()
