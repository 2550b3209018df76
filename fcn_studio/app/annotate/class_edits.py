"""Editing a label set (names and colours in label order), as pure functions on a ClassList.

A class's index is its position, so deleting one shifts every later class down by one: the lookup
table `deletion_lut` says where each stored label goes (the deleted class to unlabelled). Names
must stay unique and non-empty, as classes.json and the model's class_names require.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ...data.classes import ClassList
from ...errors import SettingsError
from ...palette import VOID_LABEL, voc_color

Colour = Sequence[int]


def index_of(classes: ClassList, name: str) -> int:
    try:
        return classes.names.index(name)
    except ValueError:
        raise KeyError(f"no class named {name!r}; classes are {', '.join(classes.names)}") from None


def _checked_name(classes: ClassList, name: str) -> str:
    name = name.strip()
    if not name:
        raise SettingsError("a class needs a name")
    if name in classes.names:
        raise SettingsError(f"there is already a class named {name!r}")
    return name


def _checked_colour(colour: Colour) -> np.ndarray:
    rgb = np.asarray(colour, dtype=np.int64)
    if rgb.shape != (3,) or rgb.min() < 0 or rgb.max() > 255:
        raise SettingsError(f"a colour is three values 0..255, got {list(colour)}")
    return rgb.astype(np.uint8)


def unused_colour(classes: ClassList) -> tuple[int, int, int]:
    """The first VOC palette colour no class has yet (VOC order keeps neighbours distinct)."""
    taken = {tuple(int(v) for v in c) for c in classes.palette}
    return next(voc_color(k) for k in range(1, VOID_LABEL) if voc_color(k) not in taken)


def added(classes: ClassList, name: str, colour: Colour | None = None) -> ClassList:
    if len(classes.names) >= VOID_LABEL - 1:
        raise SettingsError(f"at most {VOID_LABEL - 1} classes fit beside the unlabelled value {VOID_LABEL}")
    rgb = _checked_colour(unused_colour(classes) if colour is None else colour)
    return ClassList(classes.names + (_checked_name(classes, name),), np.vstack([classes.palette, rgb[None]]))


def renamed(classes: ClassList, old: str, new: str) -> ClassList:
    index = index_of(classes, old)
    if new.strip() == old:
        return classes
    names = list(classes.names)
    names[index] = _checked_name(classes, new)
    return ClassList(tuple(names), classes.palette.copy())


def recoloured(classes: ClassList, name: str, colour: Colour) -> ClassList:
    palette = classes.palette.copy()
    palette[index_of(classes, name)] = _checked_colour(colour)
    return ClassList(classes.names, palette)


def deleted(classes: ClassList, name: str) -> tuple[ClassList, np.ndarray]:
    """The label set without `name`, and the 256-entry table old label → new label."""
    index = index_of(classes, name)
    if len(classes.names) == 1:
        raise SettingsError("the last class cannot be deleted")
    names = classes.names[:index] + classes.names[index + 1:]
    return ClassList(names, np.delete(classes.palette, index, axis=0)), deletion_lut(index)


def deletion_lut(index: int) -> np.ndarray:
    lut = np.arange(256, dtype=np.int64)
    lut[index] = VOID_LABEL
    lut[index + 1:VOID_LABEL] -= 1
    return lut.astype(np.uint8)
