"""The annotate mode's state, without Qt: the tool and its settings, the open project, the shown annotation.

Like the window's `ViewModel`, every choice the annotation toolbar offers (tool, brush radius,
class, layer visibility and opacity, the accept threshold) and what is shown (the project, its
label set, the shown image's name and annotation) is a field of an evented dataclass (psygnal):
assigning it emits `events.<field>` when the value changed, so the widgets only bind and draw,
and tests set the state without a window. The fields are set by the user (tools) or by the
`AnnotationSession` (project, classes, name, annotation); the workflow itself lives there.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from psygnal import evented

from ...data.classes import ClassList
from ...errors import SettingsError
from ...palette import VOID_LABEL, voc_color
from .annotation import Annotation
from .project import AnnotationProject

TOOLS = ("pan", "brush", "eraser", "fill", "accept", "polygon")
PAINT_TOOLS = frozenset(TOOLS) - {"pan"}
MIN_BRUSH, MAX_BRUSH = 0.5, 256.0
BRUSH_STEP = 1.25  # `[` and `]` scale the radius by this: small brushes change finely, large ones fast
DEFAULT_BRUSH = 6.0
DEFAULT_LAYER_OPACITY = 0.85  # the annotation drawn nearly solid; the prediction under it lighter (PREDICTION_OPACITY)
PREDICTION_OPACITY = 0.35
BACKGROUND = "background"
BACKGROUND_COLOUR = (96, 112, 128)  # slate: visible on dark photos and light ones, unlike VOC's black
_BLACK = 40  # a colour no brighter than this in every channel is lost on a dark photo
_DARK = 100  # and one no brighter than this is hard to see there: new colours are brighter
# Okabe & Ito's colour-blind-safe set first (bright, distinct), then VOC's colours that are bright enough.
_OKABE_ITO = ((230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0),
              (204, 121, 167))


def _visible(colour: Sequence[int], dark: int = _DARK) -> bool:
    return max(int(c) for c in colour) > dark


def class_key(label: int) -> str:
    """The key that picks class `label` while painting: 1–9, then 0 for the tenth ("" beyond)."""
    return str((label + 1) % 10) if 0 <= label < 10 else ""


def model_label_set(names: Sequence[str], palette: Sequence[Sequence[int]]) -> ClassList:
    """The current model's classes as a project label set: same names, same colours, except that a
    black one (VOC's background) becomes a visible slate, so painted background shows on any photo."""
    rgb = np.asarray(palette, np.uint8).reshape(-1, 3).copy()
    taken = {tuple(int(v) for v in c) for c in rgb}
    for k, colour in enumerate(rgb):
        if not _visible(colour, _BLACK):
            rgb[k] = BACKGROUND_COLOUR if BACKGROUND_COLOUR not in taken else _fresh_colour(taken)
            taken.add(tuple(int(v) for v in rgb[k]))
    return ClassList(tuple(names), rgb)


def _fresh_colour(taken: set[tuple[int, ...]]) -> tuple[int, int, int]:
    """The first bright colour not `taken`: Okabe & Ito's, then VOC's (whose order keeps neighbours distinct)."""
    candidates = (*_OKABE_ITO, *map(voc_color, range(1, VOID_LABEL)))
    return next((c for c in candidates if _visible(c) and c not in taken), voc_color(1))


def new_label_set(names: Sequence[str], avoid: Sequence[Sequence[int]] = ()) -> ClassList:
    """A label set from typed names ("background, cat, dog") with unique names. A class named
    "background" is slate (visible, not black); the others get VOC colours that the shown model
    does not use (`avoid`, its palette), so before the first round the model's colours are never
    taken for the user's own classes. Every colour can be changed in the class editor."""
    clean = [n.strip() for n in names if n.strip()]
    if not clean:
        raise SettingsError("a label set needs at least one class name")
    if len(set(clean)) != len(clean):
        raise SettingsError(f"class names must differ: {', '.join(clean)}")
    if len(clean) >= VOID_LABEL:
        raise SettingsError(f"at most {VOID_LABEL - 1} classes fit beside the unlabelled value {VOID_LABEL}")
    taken = {tuple(int(v) for v in c) for c in avoid}
    colours: list[tuple[int, int, int]] = []
    for name in clean:
        if name.lower() == BACKGROUND and BACKGROUND_COLOUR not in taken:
            colour = BACKGROUND_COLOUR
        else:
            colour = _fresh_colour(taken)
        taken.add(colour)
        colours.append(colour)
    return ClassList(tuple(clean), np.array(colours, np.uint8).reshape(-1, 3))


def name_lut(source: Sequence[str], target: Sequence[str]) -> np.ndarray:
    """256 entries, label of `source` → label of `target` with the same name (else unlabelled):
    accepting a prediction of a model with another label set keeps the classes they share."""
    lut = np.full(256, VOID_LABEL, np.uint8)
    for k, name in enumerate(source[:VOID_LABEL]):
        if name in target:
            lut[k] = target.index(name)
    return lut


_SAME_OBJECT = {"project": operator.is_, "classes": operator.is_, "annotation": operator.is_}


@evented(equality_operators=_SAME_OBJECT)
@dataclass
class AnnotateState:
    """The annotate mode's fields; assign them to change them (an equal value emits nothing).

    Out-of-range values are clipped (radius, opacity, threshold), a label the label set lacks is
    ignored and an unknown tool refused, in `__setattr__`, before psygnal compares and emits."""

    tool: str = "pan"
    radius: float = DEFAULT_BRUSH
    label: int = 0
    visible: bool = True
    opacity: float = DEFAULT_LAYER_OPACITY
    threshold: float = 0.0  # accept the prediction only where its score is at least this (0: everywhere)
    project: AnnotationProject | None = None
    classes: ClassList | None = None  # the project's label set; a new object after each edit
    name: str | None = None  # the shown image's project name
    annotation: Annotation | None = None  # the shown image's (None: not in the project, or its mask refused)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "tool" and value not in TOOLS:
            raise SettingsError(f"no tool {value!r}; tools are {', '.join(TOOLS)}")
        if name == "radius":
            value = float(np.clip(value, MIN_BRUSH, MAX_BRUSH))
        elif name in ("opacity", "threshold"):
            value = float(np.clip(value, 0.0, 1.0))
        elif name == "visible":
            value = bool(value)
        elif name == "label":
            value = int(value)
            if "label" in vars(self) and not 0 <= value < len(self.class_names):  # vars: not while __init__ sets it
                return
        object.__setattr__(self, name, value)

    @property
    def painting(self) -> bool:
        """A paint tool is chosen (left-drag paints instead of panning)."""
        return self.tool in PAINT_TOOLS

    def bigger(self) -> None:
        self.radius = self.radius * BRUSH_STEP

    def smaller(self) -> None:
        self.radius = self.radius / BRUSH_STEP

    @property
    def class_names(self) -> list[str]:
        return list(self.classes.names) if self.classes is not None else []

    @property
    def palette(self) -> np.ndarray:
        return self.classes.palette if self.classes is not None else np.zeros((0, 3), np.uint8)

    def set_classes(self, classes: ClassList | None) -> None:
        """A new label set (a project opened or its classes edited): the chosen class stays in range."""
        if self.label >= len(classes.names if classes is not None else ()):
            self.label = 0
        self.classes = classes

    # ----- readouts ----------------------------------------------------------------------------
    def hover_text(self, x: int, y: int) -> str:
        """What the annotation says at image pixel (x, y), for the status line."""
        ann = self.annotation
        if ann is None or not (0 <= y < ann.shape[0] and 0 <= x < ann.shape[1]):
            return ""
        label = int(ann.labels[y, x])
        names = self.class_names
        return f"annotation: {names[label] if label < len(names) else 'unlabelled'}"

    def brush_text(self) -> str:
        return f"{2 * self.radius:.0f} px" if self.radius >= 1 else f"{2 * self.radius:.1f} px"

    def held_out(self) -> bool:
        return self.project is not None and self.name is not None and self.project.is_held_out(self.name)

    def fully_painted(self) -> bool:
        return self.project is not None and self.name is not None and self.project.is_fully_painted(self.name)


def usage_text(usage: dict[str, int]) -> str:
    """"1,204 px in 3 images" for the delete question."""
    pixels, images = sum(usage.values()), len(usage)
    return f"{pixels:,} px in {images} image{'s' if images != 1 else ''}"
