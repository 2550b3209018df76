"""The paint tools on the image view: mouse and keys in image coordinates → edits of the annotation.

The image view hands its mouse events here first while a paint tool is chosen (`AnnotateState`'s
`painting`), so left-drag paints instead of panning; with the Pan tool everything goes on to the
view as before. Each stroke segment is drawn at once (the layer recolours its box only); a
finished edit is announced by `committed(box)`, which the session turns into its one `edited`
event (the window redraws the box once more for edits drawn only then — fills, polygons — and
saves the mask). The digit keys are the window's (`AnnotateControl.take_digits`), not the tool's.

Brush and eraser are strokes (one undo step per drag); Fill gives the chosen class to the
connected region of the shown prediction under the click; Polygon adds a corner per click and
closes on double-click, Enter or a right click, and a drag draws a lasso filled on release.
The brush is shown as a circle of its real size in image pixels, so it scales with the zoom.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsPathItem

from ..app.annotate.annotation import UNLABELLED, Annotation
from ..boxes import Box
from ..app.annotate.workspace import AnnotateState
from .annotation_layer import AnnotationLayer

LASSO_START_PX = 4  # a press that moves this far (on screen) before release draws a lasso
KEYS = (Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight, Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCosmetic(True)  # screen pixels whatever the zoom
    return pen


class PaintTool(QObject):
    """Edits `state.annotation` from view events; `ensure()` makes the shown image annotatable
    (adds it to the project) and returns its annotation or None; `regions()` is the shown
    prediction's label map (for Fill) or None."""

    committed = Signal(object)  # Box of a finished edit
    message = Signal(str)  # why a click did nothing

    def __init__(self, state: AnnotateState, view: pg.ViewBox, layer: AnnotationLayer,
                 ensure: Callable[[], Annotation | None], regions: Callable[[], np.ndarray | None]):
        super().__init__()
        self.state, self.view, self.layer = state, view, layer
        self.ensure, self.regions = ensure, regions
        self.cursor = QGraphicsEllipseItem()
        self.cursor.setPen(_pen(QColor(255, 255, 255, 220), 1.5))
        self.outline = QGraphicsPathItem()
        self.outline.setPen(_pen(QColor(255, 230, 0), 1.5))
        for item in (self.cursor, self.outline):
            item.setZValue(10)
            item.hide()
            view.addItem(item, ignoreBounds=True)
        self.stroking = False
        self.corners: list[tuple[float, float]] = []
        self._press_screen: QPointF | None = None
        self._lasso = False
        state.events.radius.connect(lambda _: self._size_cursor())
        state.events.tool.connect(lambda _: self._tool_changed())
        self._size_cursor()

    @property
    def active(self) -> bool:
        return self.state.painting and self.state.project is not None

    # ----- mouse (x, y in image coordinates) --------------------------------------------------
    def press(self, x: float, y: float, screen: QPointF, button: Qt.MouseButton) -> bool:
        if not self.active:
            return False
        tool = self.state.tool
        if tool == "polygon" and button == Qt.MouseButton.RightButton:
            self._close_polygon()
            return True
        if button != Qt.MouseButton.LeftButton:
            return False
        ann = self.ensure()
        if ann is None:
            return True
        if tool in ("brush", "eraser"):
            ann.begin_stroke(UNLABELLED if tool == "eraser" else self.state.label, self.state.radius)
            self.stroking = True
            self.layer.redraw(ann.stroke_to(x, y))
        elif tool == "fill":
            regions = self.regions()
            if regions is None or regions.shape != ann.shape:
                self.message.emit("Fill takes a region of the prediction: wait until the image is segmented")
            else:
                self._commit(ann.fill_region(x, y, regions, self.state.label))
        elif tool == "polygon":
            self._press_screen, self._lasso = screen, False
            self.corners.append((x, y))
            self._draw_outline()
        return True

    def move(self, x: float, y: float, screen: QPointF, buttons: Qt.MouseButton) -> bool:
        self.hover(x, y)
        if not self.active or not buttons & Qt.MouseButton.LeftButton:
            return False
        ann = self.state.annotation
        if self.stroking and ann is not None:
            self.layer.redraw(ann.stroke_to(x, y))
        elif self.state.tool == "polygon" and self._press_screen is not None:
            if not self._lasso and (screen - self._press_screen).manhattanLength() >= LASSO_START_PX:
                self._lasso = True
            if self._lasso:
                self.corners.append((x, y))
                self._draw_outline()
        return True

    def release(self, x: float, y: float, button: Qt.MouseButton) -> bool:
        if not self.active or button != Qt.MouseButton.LeftButton:
            return False
        ann = self.state.annotation
        if self.stroking and ann is not None:
            self.stroking = False
            self._commit(ann.end_stroke())
        elif self.state.tool == "polygon":
            self._press_screen = None
            if self._lasso:
                self._close_polygon()
        return True

    def double_click(self, x: float, y: float) -> bool:
        if not self.active or self.state.tool != "polygon":
            return False
        self._close_polygon()
        return True

    def hover(self, x: float, y: float) -> None:
        self.cursor.setPos(QPointF(x, y))
        self.cursor.setVisible(self.active and self.state.tool in ("brush", "eraser"))

    def leave(self) -> None:
        self.cursor.hide()

    # ----- keys -------------------------------------------------------------------------------
    def wants_key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        """Keys the tools take over from the window's shortcuts while painting."""
        plain = not modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        return self.active and plain and key in KEYS

    def key(self, key: int, modifiers: Qt.KeyboardModifier) -> bool:
        if not self.wants_key(key, modifiers):
            return False
        if key == Qt.Key.Key_BracketLeft:
            self.state.smaller()
        elif key == Qt.Key.Key_BracketRight:
            self.state.bigger()
        elif key == Qt.Key.Key_Escape:
            self.cancel()
        else:
            self._close_polygon()
        return True

    def cancel(self) -> None:
        """Drop a polygon being drawn and end a stroke (kept: it was painted)."""
        self.corners, self._press_screen, self._lasso = [], None, False
        self._draw_outline()
        if self.stroking and self.state.annotation is not None:
            self.stroking = False
            self._commit(self.state.annotation.end_stroke())

    # ----- internals --------------------------------------------------------------------------
    def _commit(self, box: Box) -> None:
        if not box.empty:
            self.committed.emit(box)

    def _close_polygon(self) -> None:
        corners, ann = self.corners, self.state.annotation
        self.corners, self._press_screen, self._lasso = [], None, False
        self._draw_outline()
        if ann is not None and len(corners) >= 3:
            self._commit(ann.fill_polygon(corners, self.state.label))

    def _draw_outline(self) -> None:
        path = QPainterPath()
        if self.corners:
            path.moveTo(*self.corners[0])
            for corner in self.corners[1:]:
                path.lineTo(*corner)
        self.outline.setPath(path)
        self.outline.setVisible(bool(self.corners))

    def _size_cursor(self) -> None:
        r = self.state.radius
        self.cursor.setRect(QRectF(-r, -r, 2 * r, 2 * r))

    def _tool_changed(self) -> None:
        self.cancel()
        self._size_cursor()
        self.cursor.setVisible(False)
