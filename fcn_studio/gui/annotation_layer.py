"""The annotation layer: the user's labels drawn over the image, repainted one dirty box at a time.

It keeps an ARGB32 copy of the annotation (a QImage wrapping a numpy buffer it owns) and, per
stroke segment, recolours only the box the segment touched through a 256-entry colour table,
then asks Qt to repaint that rectangle. So a brush drag on a 4000×3000 photo costs what its few
hundred pixels cost, never a re-colouring of 12 million. Unlabelled (255) is transparent; the
opacity and visibility are the item's own, separate from the prediction overlay's.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject

from ..app.annotate.annotation import Annotation
from ..app.annotate.raster import full_box
from ..boxes import Box

Z_VALUE = 1.5  # above the prediction overlay (1), below the skip-change marks (2)


def colour_table(palette: np.ndarray) -> np.ndarray:
    """256 premultiplied ARGB32 values: class k opaque in its colour, everything else transparent."""
    table = np.zeros(256, np.uint32)
    rgb = np.asarray(palette, np.uint32).reshape(-1, 3)[:255]
    table[: len(rgb)] = (0xFF << 24) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    return table


class AnnotationLayer(QGraphicsObject):
    """One annotation, in image-pixel coordinates (pixel i covers [i, i+1)), like the other layers."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(Z_VALUE)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # exposedRect per paint
        self.annotation: Annotation | None = None
        self.argb: np.ndarray | None = None
        self.qimage: QImage | None = None
        self.table = np.zeros(256, np.uint32)

    def set_annotation(self, annotation: Annotation | None, palette: np.ndarray) -> None:
        self.prepareGeometryChange()
        self.annotation = annotation
        self.table = colour_table(palette)
        if annotation is None:
            self.argb = self.qimage = None
        else:
            h, w = annotation.shape
            self.argb = np.zeros((h, w), np.uint32)
            self.qimage = QImage(self.argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32_Premultiplied)
            self.redraw(full_box(annotation.shape))
        self.update()

    def set_palette(self, palette: np.ndarray) -> None:
        """New class colours (or a deletion that relabelled everything): one full recolour."""
        self.table = colour_table(palette)
        if self.annotation is not None:
            self.redraw(full_box(self.annotation.shape))

    def redraw(self, box: Box) -> None:
        """Recolour the pixels of `box` from the annotation and repaint just that rectangle."""
        if self.annotation is None or box.empty:
            return
        box = box.clipped(self.annotation.shape)
        self.argb[box.slices] = self.table[self.annotation.labels[box.slices]]
        self.update(QRectF(box.left, box.top, box.right - box.left, box.bottom - box.top))

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        if self.annotation is None:
            return QRectF()
        h, w = self.annotation.shape
        return QRectF(0, 0, w, h)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.qimage is None:
            return
        exposed = option.exposedRect.toAlignedRect().intersected(self.qimage.rect())
        if exposed.isEmpty():
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(QRectF(exposed), self.qimage, QRectF(exposed), Qt.ImageConversionFlag.NoFormatConversion)
