"""The annotation of one image: an H×W uint8 label array (255 = unlabelled) and its edits.

Every edit a view makes — a brush or eraser stroke, a flood fill of a predicted region, accepting
the prediction, a polygon — returns the Box it changed, so the view redraws only that, and is one
undo step. A stroke is one step however many segments the drag had: `begin_stroke`, then
`stroke_to` per mouse move (each returns the segment's box at once, for a live redraw), then
`end_stroke` on release. Work is done on the affected box only; `revision` counts committed
changes, so whoever saves can tell a saved annotation from a changed one.

Not thread-safe: one thread (the GUI's) edits; training reads the saved masks, not this array.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
from scipy import ndimage

from ...palette import VOID_LABEL
from .history import DEFAULT_MAX_BYTES, DEFAULT_MAX_STEPS, Diff, History, Piece
from ...boxes import Box
from .raster import EMPTY, Point, capsule, full_box, polygon, tight_box

log = logging.getLogger(__name__)

UNLABELLED = VOID_LABEL


class Annotation:
    """Labels of one image plus undo/redo; `labels` is the live array a view draws from."""

    def __init__(self, labels: np.ndarray, num_classes: int, max_steps: int = DEFAULT_MAX_STEPS,
                 max_bytes: int = DEFAULT_MAX_BYTES):
        labels = np.asarray(labels)
        if labels.ndim != 2 or labels.dtype != np.uint8:
            raise ValueError(f"labels must be an H×W uint8 array, got {labels.dtype} {labels.shape}")
        self.labels = labels.copy()
        self.num_classes = num_classes
        self.history = History(max_steps, max_bytes)
        self.revision = 0  # counts committed changes, undo and redo included
        self._stroke: tuple[int, float, Point | None, list[Piece | None]] | None = None

    @classmethod
    def blank(cls, height: int, width: int, num_classes: int, **history: int) -> "Annotation":
        return cls(np.full((height, width), UNLABELLED, np.uint8), num_classes, **history)

    @property
    def shape(self) -> tuple[int, int]:
        return self.labels.shape  # type: ignore[return-value]

    @property
    def labelled_pixels(self) -> int:
        return int(np.count_nonzero(self.labels != UNLABELLED))

    def _check_label(self, label: int) -> int:
        if label != UNLABELLED and not 0 <= label < self.num_classes:
            raise ValueError(f"label {label} is not one of the {self.num_classes} classes (or {UNLABELLED}, unlabelled)")
        return int(label)

    # strokes ------------------------------------------------------------------------------------

    def begin_stroke(self, label: int, radius: float) -> None:
        """Start a brush stroke of class `label` (UNLABELLED: the eraser) with a round brush."""
        if self._stroke is not None:
            self.end_stroke()
        self._stroke = (self._check_label(label), float(radius), None, [])

    def stroke_to(self, x: float, y: float) -> Box:
        """Paint from the previous point (a stamp for the first) to (x, y); the box it touched."""
        if self._stroke is None:
            raise RuntimeError("stroke_to before begin_stroke")
        label, radius, last, pieces = self._stroke
        box, mask = capsule(last or (x, y), (x, y), radius, self.shape)
        if not box.empty:
            region = self.labels[box.slices]
            old = region.copy()
            region[mask] = label
            pieces.append(_piece(box, old, region))
        self._stroke = (label, radius, (x, y), pieces)
        return box

    def end_stroke(self) -> Box:
        """Commit the stroke as one undo step; the box of the pixels it changed (may be empty)."""
        if self._stroke is None:
            return EMPTY
        pieces = tuple(p for p in self._stroke[3] if p is not None)
        self._stroke = None
        if not pieces:
            return EMPTY
        diff = Diff(pieces)
        self.history.push(diff)
        return self._changed(diff.box)

    def paint(self, points: Sequence[Point], label: int, radius: float) -> Box:
        """A whole polyline stroke at once (scripts, tests, a simulated user): one undo step."""
        self.begin_stroke(label, radius)
        for x, y in points:
            self.stroke_to(x, y)
        return self.end_stroke()

    def erase(self, points: Sequence[Point], radius: float) -> Box:
        return self.paint(points, UNLABELLED, radius)

    # region edits -------------------------------------------------------------------------------

    def fill_region(self, x: float, y: float, region_labels: np.ndarray, label: int, connectivity: int = 4) -> Box:
        """Give class `label` to the connected region of `region_labels` (e.g. the shown prediction)
        under (x, y): the pixels joined to it (4- or 8-neighbours) that carry its value there."""
        label = self._check_label(label)
        region_labels = self._same_shape(region_labels, "region labels")
        row, col = int(np.floor(y)), int(np.floor(x))
        if not (0 <= row < self.shape[0] and 0 <= col < self.shape[1]):
            return EMPTY
        structure = ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)
        components, _ = ndimage.label(region_labels == region_labels[row, col], structure)
        region = components == components[row, col]
        box = tight_box(region, full_box(self.shape))
        return self._apply(box, region[box.slices], label)

    def accept(self, prediction: np.ndarray, scores: np.ndarray | None = None, threshold: float = 0.0,
               only_unlabelled: bool = False) -> Box:
        """Copy a label map into the annotation: where `scores` ≥ `threshold` if scores are given,
        and only into unlabelled pixels with `only_unlabelled` (so earlier strokes survive)."""
        prediction = self._same_shape(prediction, "prediction")
        bad = (prediction >= self.num_classes) & (prediction != UNLABELLED)
        if bad.any():
            raise ValueError(f"prediction holds labels outside the {self.num_classes} classes (e.g. {int(prediction[bad][0])})")
        take = np.ones(self.shape, bool) if scores is None else self._same_shape(scores, "scores") >= threshold
        if only_unlabelled:
            take &= self.labels == UNLABELLED
        new = np.where(take, prediction.astype(np.uint8), self.labels)
        changed = new != self.labels
        box = tight_box(changed, full_box(self.shape))
        if box.empty:
            return EMPTY
        old = self.labels[box.slices].copy()
        self.labels[box.slices] = new[box.slices]
        return self._commit(box, old)

    def fill_polygon(self, points: Sequence[Point], label: int) -> Box:
        """Polygon or lasso fill: the pixels whose centres the closed outline encloses."""
        label = self._check_label(label)
        box, mask = polygon(points, self.shape)
        return self._apply(box, mask, label) if not box.empty else EMPTY

    # undo ---------------------------------------------------------------------------------------

    def undo(self) -> Box | None:
        """Undo the last step: the box to redraw, or None when there is nothing to undo."""
        self.end_stroke()
        box = self.history.undo(self.labels)
        return self._changed(box) if box is not None else None

    def redo(self) -> Box | None:
        box = self.history.redo(self.labels)
        return self._changed(box) if box is not None else None

    def remap(self, lut: np.ndarray, num_classes: int) -> None:
        """Relabel every pixel (and every undo step) through `lut`: 256 entries, old → new label."""
        self.end_stroke()
        lut = np.asarray(lut, np.uint8)
        self.labels = lut[self.labels]
        self.history.remap(lut)
        self.num_classes = num_classes
        self._changed(full_box(self.shape))

    # internals ----------------------------------------------------------------------------------

    def _same_shape(self, array: np.ndarray, what: str) -> np.ndarray:
        array = np.asarray(array)
        if array.shape != self.shape:
            raise ValueError(f"{what} is {array.shape[1::-1]} (w×h) but the image is {self.shape[1]}×{self.shape[0]}")
        return array

    def _apply(self, box: Box, mask: np.ndarray, label: int) -> Box:
        region = self.labels[box.slices]
        old = region.copy()
        region[mask] = label
        return self._commit(box, old)

    def _commit(self, box: Box, old: np.ndarray) -> Box:
        """Push the change of `box` (from `old` to what is there now); nothing when nothing changed."""
        piece = _piece(box, old, self.labels[box.slices])
        if piece is None:
            return EMPTY
        self.history.push(Diff((piece,)))
        return self._changed(piece.box)

    def _changed(self, box: Box) -> Box:
        self.revision += 1
        return box


def _piece(box: Box, old: np.ndarray, new: np.ndarray) -> Piece | None:
    """The change from `old` to `new` in `box`, cut to the pixels that differ (None: none do)."""
    tight = tight_box(old != new, box)
    if tight.empty:
        return None
    inner = (slice(tight.top - box.top, tight.bottom - box.top), slice(tight.left - box.left, tight.right - box.left))
    return Piece.of(tight, old[inner], new[inner])
