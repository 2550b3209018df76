"""The main view: the image with the segmentation overlaid, pan/zoom, and a hover signal.

`ImagePane` (one ViewBox with image, overlay and change-marks layers) is shared with the
comparison grid, so both draw the same way and the overlay can never drift from the image:
all three layers are drawn in the same image-pixel coordinates (pixel i covers [i, i+1)).

The overlay and the marks are label maps drawn through a colour table (Qt's indexed images):
hiding a class rewrites 256 table entries and the opacity is the layer's own, so neither touches
the H×W pixels. `ImageView.bind(view_model)` draws the shown head's result and follows the model.

Receptive field: a left click on a pixel (while no paint tool is active: `painting` is False), or
holding R and hovering, sets the view model's `probe`; the view then outlines the input box that
pixel's prediction depends on, with its size, and *Inside the net* outlines the cells that feed it.
Escape, or a click off the image, clears it. Holding R works whatever tool is active, so a painting
tool can own the left button without losing the probe.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QGraphicsRectItem, QLabel, QLineEdit, QPlainTextEdit,
                               QTextEdit, QWidget)

from ..app.overlay import MARK_COLOUR, MARKS_LUT
from ..app import view_sentences as sentences
from ..app.view_model import ViewModel
from .uncertainty_layer import UncertaintyLayer

DROP_HINT = "drop your own images here"
PROBE_KEY = Qt.Key.Key_R  # held: the receptive field follows the mouse
CLEAR_KEY = Qt.Key.Key_Escape
# The keys this view reads itself (Help lists them): what each does.
VIEW_KEYS = {PROBE_KEY: "Hold over the image: the receptive field follows the mouse",
             CLEAR_KEY: "Clear the receptive field"}
PROBE_COLOUR = (255, 220, 0)
NO_MODEL_HINT = "no model: open a model file (Model ▸ Open…)"


class ImagePane:
    """A ViewBox with three layers: image, class overlay and skip-change marks (label maps drawn
    through colour tables)."""

    def __init__(self, view: pg.ViewBox):
        self.view = view
        view.setAspectLocked(True)
        view.invertY(True)
        view.setMenuEnabled(False)
        view.setBackgroundColor((32, 32, 36))
        self.image = pg.ImageItem(autoLevels=False)
        self.overlay = pg.ImageItem(autoLevels=False)
        self.marks = pg.ImageItem(autoLevels=False)
        for z, item in enumerate((self.image, self.overlay, self.marks)):
            item.setZValue(z)
            view.addItem(item)
        self.shape: tuple[int, int] | None = None

    def set_image(self, rgb: np.ndarray | None) -> None:
        """Show a new image; the view refits only when the size changes (keeps the user's zoom)."""
        if rgb is None:
            for item in (self.image, self.overlay, self.marks):
                item.clear()
            self.shape = None
            return
        self.image.setImage(rgb, levels=(0, 255))
        if rgb.shape[:2] != self.shape:
            self.shape = rgb.shape[:2]
            self.fit()

    def set_overlay(self, labels: np.ndarray | None) -> None:
        """A label map, coloured through the layer's table (`set_lut`); None clears."""
        if labels is None:
            self.overlay.clear()
        else:
            self.overlay.setImage(np.asarray(labels, dtype=np.uint8), levels=None)

    def set_lut(self, lut: np.ndarray) -> None:
        """New class colours or toggles: only the 256-entry table changes."""
        self.overlay.setLookupTable(lut)

    def set_opacity(self, opacity: float) -> None:
        self.overlay.setOpacity(opacity)

    def set_marks(self, changed: np.ndarray | None) -> None:
        """Boolean map of the pixels a skip changed, drawn in magenta; None clears."""
        if changed is None:
            self.marks.clear()
        else:
            self.marks.setImage(changed.view(np.uint8), levels=None, lut=MARKS_LUT)

    def fit(self) -> None:
        if self.shape is not None:
            self.view.setRange(xRange=(0, self.shape[1]), yRange=(0, self.shape[0]), padding=0.02)

    def pixel_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """Image pixel under a scene position, or None outside the image."""
        if self.shape is None or not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.view.mapSceneToView(scene_pos)
        x, y = math.floor(p.x()), math.floor(p.y())
        if 0 <= x < self.shape[1] and 0 <= y < self.shape[0]:
            return x, y
        return None


class ProbeItems:
    """The receptive field drawn over a pane: the input box, the probed pixel and a caption."""

    def __init__(self, view: pg.ViewBox):
        self.box = QGraphicsRectItem()
        self.box.setPen(pg.mkPen(PROBE_COLOUR, width=2, cosmetic=True))
        self.pixel = QGraphicsRectItem()
        self.pixel.setPen(pg.mkPen(PROBE_COLOUR, width=1, cosmetic=True))
        self.pixel.setBrush(pg.mkBrush(*PROBE_COLOUR, 200))
        # A screen-sized cross: the pixel itself is a speck at the default zoom.
        self.marker = pg.ScatterPlotItem(symbol="+", size=18, pen=pg.mkPen((20, 20, 20), width=1),
                                         brush=pg.mkBrush(*PROBE_COLOUR))
        self.caption = pg.TextItem(color=(20, 20, 20), fill=pg.mkBrush(*PROBE_COLOUR, 220), anchor=(0, 1))  # over the box's bottom edge
        for item in (self.box, self.pixel, self.marker, self.caption):
            item.setZValue(10)
            view.addItem(item)
        self.show(None)

    def show(self, probe, width: int = 0) -> None:
        """Draw `probe` (an app.probe.Probe) or hide everything for None; the caption keeps to
        the side of the box nearer the middle of an image `width` px wide."""
        visible = probe is not None
        for item in (self.box, self.pixel, self.marker, self.caption):
            item.setVisible(visible)
        if probe is None:
            return
        self.pixel.setRect(QRectF(probe.x, probe.y, 1, 1))
        self.marker.setData([probe.x + 0.5], [probe.y + 0.5])
        self.caption.setText(probe.label)
        box = probe.box
        self.box.setVisible(box is not None)
        if box is not None:
            self.box.setRect(QRectF(box.left, box.top, box.width, box.height))
            right = box.left + box.right > width  # a box in the right half: caption from its right edge
            self.caption.setAnchor((1, 1) if right else (0, 1))
            self.caption.setPos(box.right if right else box.left, box.bottom)  # the top-left is the hint's
        else:
            self.caption.setPos(probe.x, probe.y)


class ImageView(pg.GraphicsView):
    """Single image + overlay. Emits `hovered(x, y)` (−1, −1 when off the image); a click (no paint
    tool) or R held while hovering probes a pixel's receptive field (the module's docstring).

    `tool` (a PaintTool, set by the annotate mode) sees mouse and key events first, in image
    coordinates; what it takes (a paint tool is chosen) never reaches the pan, zoom or probe."""

    hovered = Signal(int, int)
    clicked = Signal(int, int)  # image pixel of a left click, (−1, −1) off the image

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(False)  # drops go to the main window, which knows what to open
        self.pane = ImagePane(pg.ViewBox(enableMenu=False))
        self.setCentralItem(self.pane.view)
        self.scene().sigMouseMoved.connect(self._moved)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # R and Escape reach the view
        self.probe_items = ProbeItems(self.pane.view)
        self.uncertainty = UncertaintyLayer()  # live mode's "where is the model unsure" (LiveControl)
        self.pane.view.addItem(self.uncertainty)
        self.probing = False  # R is held
        self.hint = QLabel(self)
        self.hint.setStyleSheet("QLabel { background: rgba(0,0,0,150); color: #f0f0f0; padding: 6px 10px;"
                                " border-radius: 4px; font-size: 13px; }")
        self.hint.move(10, 10)
        self.hint.hide()
        self.tool = None
        # The skip marks' legend: their colour and how many pixels they are (or why there are none).
        self.marks_note = QLabel(self)
        self.marks_note.setStyleSheet(self.hint.styleSheet())
        self.marks_note.hide()

    def set_hint(self, text: str) -> None:
        """A one-line hint over the view (no model, drop images here …); empty hides it."""
        self.hint.setText(text)
        self.hint.adjustSize()
        self.hint.setVisible(bool(text))

    def set_marks_note(self, text: str, swatch: bool) -> None:
        """The skip marks' legend line at the view's bottom left; empty hides it."""
        r, g, b, _ = MARK_COLOUR
        self.marks_note.setText(f'<span style="color: rgb({r},{g},{b})">■</span> {text}' if swatch else text)
        self.marks_note.adjustSize()
        self._place_marks_note()
        self.marks_note.setVisible(bool(text))

    def _place_marks_note(self) -> None:
        self.marks_note.move(10, max(self.height() - self.marks_note.height() - 10, 10))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if hasattr(self, "marks_note"):  # Qt resizes the view while the base class is still being built
            self._place_marks_note()

    def zoom(self, factor: float) -> None:
        self.pane.view.scaleBy((1 / factor, 1 / factor))

    @property
    def painting(self) -> bool:
        """A paint tool is chosen: the left button is the tool's, not the probe's."""
        return self.tool is not None and self.tool.active

    # ----- the paint tool's share of the events ----------------------------------------------
    def image_point(self, event) -> tuple[float, float]:
        """Where a mouse event is, in image coordinates (x right, y down, pixel i = [i, i+1))."""
        p = self.pane.view.mapSceneToView(self.mapToScene(event.position().toPoint()))
        return p.x(), p.y()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.tool is not None and self.tool.press(*self.image_point(event), event.position(), event.button()):
            self.setFocus()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.tool is not None and self.tool.move(*self.image_point(event), event.position(), event.buttons()):
            self._moved(self.mapToScene(event.position().toPoint()))  # the readout follows the brush
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.tool is not None and self.tool.release(*self.image_point(event), event.button()):
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.tool is not None and self.tool.double_click(*self.image_point(event)):
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.tool is not None:
            self.tool.leave()
        super().leaveEvent(event)

    def event(self, event) -> bool:
        """While painting, [ ] (and Esc, Enter) are the tool's, not the window's shortcuts."""
        if (event.type() == QEvent.Type.ShortcutOverride and self.tool is not None
                and self.tool.wants_key(event.key(), event.modifiers())):
            event.accept()
            return True
        return super().event(event)

    def _moved(self, pos: QPointF) -> None:
        pixel = self.pane.pixel_at(pos)
        self.hovered.emit(*(pixel if pixel else (-1, -1)))
        if self.probing and pixel:
            self.vm.probe = pixel

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.painting:
            return
        pixel = self.pane.pixel_at(event.scenePos())
        self.clicked.emit(*(pixel if pixel else (-1, -1)))
        self.vm.probe = pixel

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.tool is not None and self.tool.key(event.key(), event.modifiers()):
            event.accept()
        elif event.key() == PROBE_KEY and not event.isAutoRepeat():
            self.probing = True
            pixel = self.pane.pixel_at(self.mapToScene(self.mapFromGlobal(self.cursor().pos())))
            if pixel:
                self.vm.probe = pixel
        elif event.key() == CLEAR_KEY:
            self.vm.probe = None
        else:
            super().keyPressEvent(event)

    def enterEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Take the keyboard when the mouse comes in, so R works without a click first — unless the
        user is typing somewhere (a training form's field keeps its keys)."""
        if not isinstance(QApplication.focusWidget(), (QLineEdit, QAbstractSpinBox, QPlainTextEdit, QTextEdit)):
            self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().enterEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == PROBE_KEY and not event.isAutoRepeat():
            self.probing = False
        else:
            super().keyReleaseEvent(event)

    def bind(self, vm: ViewModel) -> None:
        """Draw `vm`'s shown head on its image, and follow it: a new result or head relays the
        label map, a toggle only the colour table, the opacity only the layer's."""
        self.vm = vm
        vm.events.image.connect(self._draw_image)
        vm.events.shown.connect(self._draw_result)
        vm.events.result.connect(self._on_result)
        vm.events.hidden.connect(lambda _: self.pane.set_lut(vm.label_lut()))
        vm.events.show_background.connect(lambda _: self.pane.set_lut(vm.label_lut()))
        vm.events.model.connect(lambda _: self.pane.set_lut(vm.label_lut()))
        for signal in (vm.events.probe, vm.events.class_index):
            signal.connect(lambda *_: self._draw_probe())
        vm.events.live.connect(lambda _: self.pane.set_lut(vm.label_lut()))  # a round's classes
        vm.events.opacity.connect(self.pane.set_opacity)
        vm.events.changes.connect(lambda _: self._draw_marks())
        vm.events.images.connect(lambda _: self._draw_hint())
        vm.events.model.connect(lambda _: self._draw_hint())
        self.pane.set_lut(vm.label_lut())
        self.pane.set_opacity(vm.opacity)
        self._draw_hint()

    def _draw_hint(self) -> None:
        """No model: say how to open one; else invite a drop only while nothing but samples is open."""
        vm = self.vm
        own = any(not image.is_sample for image in vm.session.images)
        self.set_hint(NO_MODEL_HINT if vm.entry is None else ("" if own else DROP_HINT))

    def _draw_image(self, image) -> None:
        self.pane.set_image(image.rgb if image is not None else None)

    def _on_result(self, head: str) -> None:
        """The shown head's result is drawn; another head's can only change the skip marks."""
        if head == self.vm.head:
            self._draw_result()
        elif self.vm.changes:
            self._draw_marks()

    def _draw_result(self) -> None:
        pred = self.vm.prediction()
        self.pane.set_overlay(pred.labels if pred is not None else None)
        self._draw_marks()
        self._draw_probe()

    def _draw_probe(self) -> None:
        self.probe_items.show(self.vm.probed(), self.pane.shape[1] if self.pane.shape else 0)

    def _draw_marks(self) -> None:
        vm = self.vm
        on = vm.changes and vm.entry is not None and vm.image is not None
        changed = vm.skip_changes(vm.head) if on else None
        self.pane.set_marks(changed)
        self.set_marks_note(sentences.skip_note(vm) if on else "", swatch=changed is not None)
