"""Inside the net: one class's channel of every score map of the forward pass, at true scale.

Each map is drawn at its real resolution over a faint copy of the image, placed with the geometry
(stride and offset) the model reported with its prediction, so score_fr's coarse 1/32 grid and
fuse_pool3's 1/8 grid (or any trunk's own blobs, fuse_pool1, fuse_inception3b, a shift-and-stitch
map) sit exactly where the network computed them. All panes pan and zoom together.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QGraphicsRectItem, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from ..app.analysis import InternalMap
from .grid_layout import equal_columns, link_views

COLUMNS = 2


class _MapPane:
    def __init__(self, title: pg.LabelItem, view: pg.ViewBox, lut: np.ndarray):
        self.title, self.view = title, view
        view.setAspectLocked(True)
        view.invertY(True)
        view.setMenuEnabled(False)
        self.backdrop = pg.ImageItem(autoLevels=False)
        self.map = pg.ImageItem(autoLevels=False, lut=lut)
        self.map.setOpacity(0.75)
        self.map.setZValue(1)
        # The image's own outline: shows how far a coarse map's cells reach past the image.
        self.outline = QGraphicsRectItem()
        self.outline.setPen(pg.mkPen((255, 255, 255), width=1, cosmetic=True))
        self.outline.setZValue(2)
        for item in (self.backdrop, self.map, self.outline):
            view.addItem(item)


class _Grid(pg.GraphicsLayoutWidget):
    """The panes of one set of map names (32s, 16s and 8s each have their own), built once."""

    def __init__(self, names: list[str], lut: np.ndarray):
        super().__init__()
        self.setAcceptDrops(False)
        self.setBackground((24, 24, 28))
        self.panes: dict[str, _MapPane] = {}
        for i, name in enumerate(names):
            row, col = 2 * (i // COLUMNS), i % COLUMNS
            title = self.addLabel(name, row=row, col=col, size="8pt", color="#e0e0e0")
            title.setMinimumHeight(34)
            title.setMaximumHeight(34)
            view = self.addViewBox(row=row + 1, col=col, enableMenu=False)
            self.panes[name] = _MapPane(title, view, lut)
        link_views([pane.view for pane in self.panes.values()])
        self.extent: tuple[int, int] | None = None

    def fit(self) -> None:
        if self.panes and self.extent:
            w, h = self.extent
            next(iter(self.panes.values())).view.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def equal_columns(self) -> None:
        equal_columns(self, COLUMNS, (pane.title for pane in self.panes.values()), 30.0)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if hasattr(self, "extent"):  # Qt resizes the widget while the base class is still being built
            self.equal_columns()
            QTimer.singleShot(0, self.fit)  # the maps are overviews: a new size shows them whole again


class InternalsPanel(QWidget):
    """Switching heads switches between prebuilt grids: rebuilding one costs ~30 ms, more than a
    head switch may take."""

    class_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.classes = QComboBox()
        self.classes.currentIndexChanged.connect(lambda k: self.class_changed.emit(max(k, 0)))
        self.stack = QStackedWidget()
        self.grids: dict[tuple[str, ...], _Grid] = {}
        self.note = QLabel("the chosen class's score in each map of the forward pass, at its true "
                           "stride and place (white: the image's edge; viridis, low → high)")
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("class"))
        top.addWidget(self.classes, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.note)
        self.lut = pg.colormap.get("viridis").getLookupTable(nPts=256)

    @property
    def grid(self) -> _Grid | None:
        current = self.stack.currentWidget()
        return current if isinstance(current, _Grid) else None

    @property
    def panes(self) -> dict[str, _MapPane]:
        return self.grid.panes if self.grid else {}

    @property
    def class_index(self) -> int:
        return max(self.classes.currentIndex(), 0)

    def set_classes(self, names: list[str]) -> None:
        if [self.classes.itemText(k) for k in range(self.classes.count())] == names:
            return
        self.classes.blockSignals(True)
        self.classes.clear()
        self.classes.addItems(names)
        self.classes.setCurrentIndex(1 if len(names) > 1 else 0)  # background is the least telling
        self.classes.blockSignals(False)

    def show_maps(self, rgb: np.ndarray | None, maps: list[InternalMap]) -> None:
        if not maps:  # result not there yet: keep the panes, empty
            for pane in self.panes.values():
                pane.map.clear()
            return
        names = tuple(m.name for m in maps)
        if names not in self.grids:
            self.grids[names] = _Grid(list(names), self.lut)
            self.stack.addWidget(self.grids[names])
        grid = self.grids[names]
        self.stack.setCurrentWidget(grid)
        if rgb is None:
            return
        grey = rgb.mean(axis=2).astype(np.uint8)
        h, w = grey.shape
        for m in maps:
            pane = grid.panes[m.name]
            pane.backdrop.setImage(grey, levels=(0, 255))
            lo, hi = float(m.values.min()), float(m.values.max())
            pane.map.setImage(m.values, levels=(lo, hi if hi > lo else lo + 1e-6))
            pane.map.setRect(QRectF(*m.rect))
            mh, mw = m.values.shape
            pane.outline.setRect(QRectF(0, 0, w, h))
            pane.title.setText(f"<b>{m.name}</b><br>stride {m.stride} · {mw}×{mh} · {lo:.2g}…{hi:.2g}")
        if grid.extent != (w, h):
            grid.extent = (w, h)
            grid.equal_columns()
            grid.fit()
