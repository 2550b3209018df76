"""The annotate mode's state, without Qt: the open project, the shown image's annotation, the tool.

Like the window's `ViewModel`, every choice the annotation toolbar offers (tool, brush radius,
class, layer visibility and opacity, the accept threshold) is a field that emits a psygnal signal
when it changes, so the widgets only bind and draw, and tests set the state without a window.

An image the window shows belongs to the project when it is one of the project's own files
(images/…) or when it was added from that path in this session ("Make a model for your own
images" adds the open photos and keeps showing them); `name_of` finds its project name.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from psygnal import Signal, SignalGroup

from ...data.classes import ClassList
from ...errors import SettingsError
from ...palette import VOID_LABEL, voc_color
from ..session import OpenImage
from .annotation import Annotation
from .project import AnnotationProject

TOOLS = ("pan", "brush", "eraser", "fill", "accept", "polygon")
PAINT_TOOLS = frozenset(TOOLS) - {"pan"}
MIN_BRUSH, MAX_BRUSH = 0.5, 256.0
BRUSH_STEP = 1.25  # `[` and `]` scale the radius by this: small brushes change finely, large ones fast
DEFAULT_BRUSH = 6.0
DEFAULT_LAYER_OPACITY = 0.6


def model_label_set(names: Sequence[str], palette: Sequence[Sequence[int]]) -> ClassList:
    """The current model's classes as a project label set (same names, same colours)."""
    return ClassList(tuple(names), np.asarray(palette, np.uint8).reshape(-1, 3))


def new_label_set(names: Sequence[str]) -> ClassList:
    """A label set from typed names ("background, cat, dog"): VOC colours in order, unique names."""
    clean = [n.strip() for n in names if n.strip()]
    if not clean:
        raise SettingsError("a label set needs at least one class name")
    if len(set(clean)) != len(clean):
        raise SettingsError(f"class names must differ: {', '.join(clean)}")
    if len(clean) >= VOID_LABEL:
        raise SettingsError(f"at most {VOID_LABEL - 1} classes fit beside the unlabelled value {VOID_LABEL}")
    return ClassList(tuple(clean), np.array([voc_color(k) for k in range(len(clean))], np.uint8).reshape(-1, 3))


def name_lut(source: Sequence[str], target: Sequence[str]) -> np.ndarray:
    """256 entries, label of `source` → label of `target` with the same name (else unlabelled):
    accepting a prediction of a model with another label set keeps the classes they share."""
    lut = np.full(256, VOID_LABEL, np.uint8)
    for k, name in enumerate(source[:VOID_LABEL]):
        if name in target:
            lut[k] = target.index(name)
    return lut


class AnnotateEvents(SignalGroup):
    project = Signal(object)  # AnnotationProject | None
    annotation = Signal(object)  # Annotation | None: the shown image's (None: not in the project)
    tool = Signal(str)
    radius = Signal(float)
    label = Signal(int)
    visible = Signal(bool)
    opacity = Signal(float)
    threshold = Signal(float)
    classes = Signal()  # the project's label set changed (names, colours or order)
    painted = Signal(object)  # Box of the shown annotation that changed and is to be redrawn


class AnnotateState:
    """The annotate mode's fields; assign them to change them (an equal value emits nothing)."""

    def __init__(self) -> None:
        self.events = AnnotateEvents()
        self.project: AnnotationProject | None = None
        self.name: str | None = None  # the shown image's project name
        self.annotation: Annotation | None = None
        self.sources: dict[str, str] = {}  # resolved path of an added photo → its project name
        self._tool, self._radius, self._label = "pan", DEFAULT_BRUSH, 0
        self._visible, self._opacity, self._threshold = True, DEFAULT_LAYER_OPACITY, 0.0

    # ----- fields ------------------------------------------------------------------------------
    @property
    def tool(self) -> str:
        return self._tool

    @tool.setter
    def tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise SettingsError(f"no tool {tool!r}; tools are {', '.join(TOOLS)}")
        self._set("tool", tool)

    @property
    def painting(self) -> bool:
        """A paint tool is chosen (left-drag paints instead of panning)."""
        return self._tool in PAINT_TOOLS

    @property
    def radius(self) -> float:
        return self._radius

    @radius.setter
    def radius(self, radius: float) -> None:
        self._set("radius", float(np.clip(radius, MIN_BRUSH, MAX_BRUSH)))

    def bigger(self) -> None:
        self.radius = self._radius * BRUSH_STEP

    def smaller(self) -> None:
        self.radius = self._radius / BRUSH_STEP

    @property
    def label(self) -> int:
        return self._label

    @label.setter
    def label(self, label: int) -> None:
        if 0 <= int(label) < len(self.class_names):
            self._set("label", int(label))

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, on: bool) -> None:
        self._set("visible", bool(on))

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        self._set("opacity", float(np.clip(value, 0.0, 1.0)))

    @property
    def threshold(self) -> float:
        """Accept the prediction only where its score is at least this (0: everywhere)."""
        return self._threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        self._set("threshold", float(np.clip(value, 0.0, 1.0)))

    def _set(self, name: str, value: Any) -> None:
        if getattr(self, f"_{name}") != value:
            setattr(self, f"_{name}", value)
            getattr(self.events, name).emit(value)

    # ----- the project -------------------------------------------------------------------------
    @property
    def class_names(self) -> list[str]:
        return list(self.project.classes.names) if self.project is not None else []

    @property
    def palette(self) -> np.ndarray:
        return self.project.classes.palette if self.project is not None else np.zeros((0, 3), np.uint8)

    def open_project(self, project: AnnotationProject | None) -> None:
        self.project, self.sources = project, {}
        self.annotation = self.name = None
        self.events.project.emit(project)
        self.classes_changed()
        self.events.annotation.emit(None)

    def classes_changed(self) -> None:
        """The label set was edited: the chosen class stays in range."""
        if self._label >= len(self.class_names):
            self._label = 0
            self.events.label.emit(0)
        self.events.classes.emit()

    def name_of(self, image: OpenImage | None) -> str | None:
        """The project name of a shown image, or None when it is not in the project."""
        if self.project is None or image is None or image.path is None:
            return None
        path = image.path.resolve()
        for name in self.project.names:
            if self.project.image_path(name).resolve() == path:
                return name
        return self.sources.get(str(path))

    def add(self, image: OpenImage) -> str:
        """Copy a shown image into the project (blank mask); its project name."""
        if self.project is None or image.path is None:
            raise SettingsError("an image needs a file and an open project to be annotated")
        name = self.project.add_image(image.path)
        self.sources[str(image.path.resolve())] = name
        return name

    def show(self, image: OpenImage | None) -> Annotation | None:
        """Make the shown image's annotation current (None if it is not in the project).
        A broken mask raises MaskProblem naming it, with the annotation left unset."""
        self.name = self.name_of(image)
        self.annotation = None
        try:
            if self.name is not None:
                self.annotation = self.project.annotation(self.name, autosave=False)
        finally:
            self.events.annotation.emit(self.annotation)
        return self.annotation

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
        return f"{2 * self._radius:.0f} px" if self._radius >= 1 else f"{2 * self._radius:.1f} px"

    def accepted_labels(self, labels: np.ndarray, class_names: Sequence[str], scores: np.ndarray | None
                        ) -> tuple[np.ndarray, np.ndarray | None]:
        """A prediction in the project's labels (classes matched by name) and the score map the
        threshold reads (the predicted class's softmax score; None when no threshold is set)."""
        mapped = name_lut(list(class_names), self.class_names)[labels]
        if self._threshold <= 0.0 or scores is None:
            return mapped, None
        return mapped, scores.max(axis=0)

    def held_out(self) -> bool:
        return self.project is not None and self.name is not None and self.project.is_held_out(self.name)


def usage_text(usage: dict[str, int]) -> str:
    """"1,204 px in 3 images" for the delete question."""
    pixels, images = sum(usage.values()), len(usage)
    return f"{pixels:,} px in {images} image{'s' if images != 1 else ''}"
