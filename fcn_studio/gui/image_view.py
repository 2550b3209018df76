"""The main view: the image with the segmentation overlaid, pan/zoom, and a hover signal.

`ImagePane` (one ViewBox with image, overlay and change-marks layers) is shared with the
comparison grid, so both draw the same way and the overlay can never drift from the image:
all three layers are drawn in the same image-pixel coordinates (pixel i covers [i, i+1)).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtWidgets import QLabel, QWidget


class ImagePane:
    """A ViewBox with three layers: image, class overlay (RGBA) and skip-change marks (RGBA)."""

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

    def set_layer(self, item: pg.ImageItem, rgba: np.ndarray | None) -> None:
        if rgba is None:
            item.clear()
        else:
            item.setImage(rgba, levels=(0, 255))

    def set_overlay(self, rgba: np.ndarray | None) -> None:
        self.set_layer(self.overlay, rgba)

    def set_marks(self, rgba: np.ndarray | None) -> None:
        self.set_layer(self.marks, rgba)

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


class ImageView(pg.GraphicsView):
    """Single image + overlay. Emits `hovered(x, y)` (−1, −1 when off the image)."""

    hovered = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(False)  # drops go to the main window, which knows what to open
        self.pane = ImagePane(pg.ViewBox(enableMenu=False))
        self.setCentralItem(self.pane.view)
        self.scene().sigMouseMoved.connect(self._moved)
        self.hint = QLabel(self)
        self.hint.setStyleSheet("QLabel { background: rgba(0,0,0,150); color: #f0f0f0; padding: 6px 10px;"
                                " border-radius: 4px; font-size: 13px; }")
        self.hint.move(10, 10)
        self.hint.hide()

    def set_hint(self, text: str) -> None:
        """A one-line hint over the view (no model, drop images here …); empty hides it."""
        self.hint.setText(text)
        self.hint.adjustSize()
        self.hint.setVisible(bool(text))

    def zoom(self, factor: float) -> None:
        self.pane.view.scaleBy((1 / factor, 1 / factor))

    def _moved(self, pos: QPointF) -> None:
        pixel = self.pane.pixel_at(pos)
        self.hovered.emit(*(pixel if pixel else (-1, -1)))
