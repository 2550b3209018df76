"""Inside the net: one class's channel of every score map of the forward pass, at true scale.

Each map is drawn at its real resolution over a faint copy of the image, placed with the geometry
(stride and offset) the model reported with its prediction, so score_fr's coarse 1/32 grid and
fuse_pool3's 1/8 grid (or any trunk's own blobs, fuse_pool1, fuse_inception3b, a shift-and-stitch
map) sit exactly where the network computed them. All panes pan and zoom together.

The wheel scrolls the panel, as over any list; Ctrl+wheel zooms the maps (napari's and most
viewers' rule), within ZOOM_LIMIT of the whole image either way, so a map can never shrink to a
dot; "Reset view" shows them whole again.

Each map keeps at least MIN_MAP pixels a side: in a short or narrow dock the grid scrolls rather
than shrinking the maps to specks or pushing the right column out of sight, and long map names
(score_inception4e) are elided to the column, in full in the tooltip.

A probed pixel (a click in the image view, or R held) outlines, in every map, the cells that feed
that pixel through the upsampling kernels, and lists under the maps each feeding score cell's value
for the class and its weight in the pixel's logit (`app.probe.Probe.table`).

A result without maps (a tiled photo, a training round's live answer, one still computing) empties
every pane, the image's grey copy included, and says why at once: the panes never show the maps
or the image of an earlier result.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import (QApplication, QComboBox, QFrame, QGraphicsRectItem, QHBoxLayout, QLabel, QPlainTextEdit,
                               QScrollArea, QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from ..app import view_sentences as sentences
from ..app.analysis import InternalMap, internal_maps
from ..app.probe import Probe, cell_rects
from ..app.view_model import ViewModel
from .grid_layout import equal_columns, link_views

COLUMNS = 2
MIN_MAP = 100  # px a side: score_fr's 1/32 cells stay tellable apart; below it the grid scrolls
TITLE_PT = 8
TITLE_HEIGHT = 50  # three lines of TITLE_PT: name / stride and size / value range
TITLE_SLACK = 10  # px the text item adds around its text
PROBE_TEXT_HEIGHT = 110  # px of the probed pixel's cell list (it scrolls), in place of the note
ZOOM_LIMIT = 4.0  # Ctrl+wheel zooms between 1/4 and 4× the image's longer side in view


class _MapView(pg.ViewBox):
    """A map's view: a plain wheel is left to the scroll area around the grid (it scrolls the
    panel); Ctrl+wheel zooms the grid's leading view (the others follow its ranges) about the
    point under the mouse, clamped to ZOOM_LIMIT. Clamping here rather than with ViewBox limits:
    those fight the leader's aspect lock and the links, and squash the followers' maps."""

    leader: pg.ViewBox | None = None
    side = 0.0  # the image's longer side, in image pixels

    def wheelEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph override
        if not ev.modifiers() & Qt.KeyboardModifier.ControlModifier or not self.side:
            ev.ignore()
            return
        leader = self.leader or self
        (x0, x1), (y0, y1) = leader.viewRange()
        spans = (x1 - x0, y1 - y0)
        factor = 1.02 ** (ev.delta() * self.state["wheelScaleFactor"])  # > 1 zooms out, as pyqtgraph's
        factor = min(max(factor, self.side / ZOOM_LIMIT / min(spans)), self.side * ZOOM_LIMIT / max(spans))
        centre = self.mapSceneToView(ev.scenePos())
        leader.scaleBy((factor, factor), centre)
        ev.accept()


def _grey(rgb: np.ndarray) -> np.ndarray:
    """The faint backdrop: integer sums (uint16) cost an eighth of a float mean over a photo, with the same pixels."""
    total = rgb[..., 0].astype(np.uint16) + rgb[..., 1] + rgb[..., 2]
    return (total // 3).astype(np.uint8)


class _MapPane:
    def __init__(self, name: str, title: pg.LabelItem, view: pg.ViewBox, lut: np.ndarray):
        self.title, self.view = title, view
        self.lines = [name]  # the title's full lines; what is drawn is elided to the column
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
        # The cells feeding a probed pixel (hidden without a probe).
        self.feeding = QGraphicsRectItem()
        self.feeding.setPen(pg.mkPen((255, 220, 0), width=2, cosmetic=True))
        self.feeding.setBrush(pg.mkBrush(255, 220, 0, 50))
        self.feeding.setZValue(3)
        self.feeding.hide()
        for item in (self.backdrop, self.map, self.outline, self.feeding):
            view.addItem(item)


class _Grid(pg.GraphicsLayoutWidget):
    """The panes of one set of map names (32s, 16s and 8s each have their own), built once.

    Its minimum size gives every map MIN_MAP pixels; the panel's scroll area does the rest."""

    def __init__(self, names: list[str], lut: np.ndarray):
        super().__init__()
        self.setAcceptDrops(False)
        self.setBackground((24, 24, 28))
        self.panes: dict[str, _MapPane] = {}
        for i, name in enumerate(names):
            row, col = 2 * (i // COLUMNS), i % COLUMNS
            title = self.addLabel(name, row=row, col=col, size=f"{TITLE_PT}pt", color="#e0e0e0")
            title.setMinimumHeight(TITLE_HEIGHT)
            title.setMaximumHeight(TITLE_HEIGHT)
            view = _MapView(enableMenu=False)
            self.addItem(view, row=row + 1, col=col)
            self.panes[name] = _MapPane(name, title, view, lut)
        views = [pane.view for pane in self.panes.values()]
        link_views(views)
        for view in views:
            view.leader = views[0]
        layout = self.ci.layout
        left, top, right, bottom = layout.getContentsMargins()
        rows = math.ceil(len(names) / COLUMNS)
        self.setMinimumSize(math.ceil(COLUMNS * MIN_MAP + (COLUMNS - 1) * layout.horizontalSpacing() + left + right),
                            math.ceil(rows * (TITLE_HEIGHT + MIN_MAP) + (2 * rows - 1) * layout.verticalSpacing()
                                      + top + bottom))
        font = QFont(QApplication.font())
        font.setPointSizeF(TITLE_PT)
        self._metrics = QFontMetricsF(font)
        font.setBold(True)
        self._bold_metrics = QFontMetricsF(font)
        self.column_width = float(MIN_MAP)
        self.extent: tuple[int, int] | None = None
        self.backdrop: np.ndarray | None = None  # the image whose grey copy the panes show

    def set_title(self, pane: _MapPane, lines: list[str]) -> None:
        if lines != pane.lines:  # laying out a title's rich text costs ~0.5 ms: only when it changed
            pane.lines = lines
            self._draw_title(pane)

    def _draw_title(self, pane: _MapPane) -> None:
        """The lines elided to the column (the name in the middle: score_inc…n4e keeps the end that
        tells the maps apart), so a long name cannot widen its column past the dock."""
        width = max(self.column_width - TITLE_SLACK, 10.0)
        name, *rest = pane.lines
        shown = [f"<b>{html.escape(self._bold_metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width))}</b>"]
        shown += [html.escape(self._metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)) for line in rest]
        pane.title.setText("<br>".join(shown))
        pane.title.setMinimumWidth(0)  # setText sized it to its text: the column decides its width
        pane.title.setToolTip("\n".join(pane.lines))

    def fit(self) -> None:
        if self.panes and self.extent:
            w, h = self.extent
            next(iter(self.panes.values())).view.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def set_extent(self, w: int, h: int) -> None:
        """A new image size: the zoom limits' measure, columns and titles laid out, the maps whole."""
        self.extent = (w, h)
        for pane in self.panes.values():
            pane.view.side = float(max(w, h))
        self.equal_columns()
        self.fit()

    def equal_columns(self) -> None:
        self.column_width = equal_columns(self, COLUMNS, (), MIN_MAP)
        for pane in self.panes.values():
            self._draw_title(pane)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt override
        """What no map took (a wheel without Ctrl) scrolls the panel's scroll area, as over a list."""
        super().wheelEvent(event)
        viewport = self.parentWidget()
        area = viewport.parentWidget() if viewport is not None else None
        if not event.isAccepted() and isinstance(area, QScrollArea):
            QApplication.sendEvent(area.viewport(), event)

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
        self.areas: dict[tuple[str, ...], QScrollArea] = {}  # one scrolled grid per set of map names
        self.note = QLabel("the chosen class's score in each map of the forward pass, at its true "
                           "stride and place (white: the image's edge; viridis, low → high); "
                           "Ctrl+wheel zooms, drag pans")
        self.note.setWordWrap(True)
        self.reset = QToolButton()
        self.reset.setText("Reset view")
        self.reset.setToolTip("Show every map whole again (after Ctrl+wheel zooming or dragging)")
        self.reset.clicked.connect(self.reset_view)
        top = QHBoxLayout()
        top.addWidget(QLabel("class"))
        top.addWidget(self.classes, 1)
        top.addWidget(self.reset)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        self.why = QLabel()  # why there are no maps to draw (hidden while there are)
        self.why.setWordWrap(True)
        self.why.hide()
        layout.addWidget(self.why)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.note)
        self.probe_text = QPlainTextEdit()  # scrolls: an 8s pixel has a score cell list ~15 lines long
        self.probe_text.setReadOnly(True)
        self.probe_text.setStyleSheet("QPlainTextEdit { font-family: monospace; font-size: 11px; }")
        self.probe_text.setMaximumHeight(PROBE_TEXT_HEIGHT)
        self.probe_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.probe_text.hide()
        layout.addWidget(self.probe_text)
        self.placed: dict[str, tuple[int, float]] = {}  # (stride, offset) of each map drawn
        self.lut = pg.colormap.get("viridis").getLookupTable(nPts=256)

    @property
    def scroll(self) -> QScrollArea | None:
        current = self.stack.currentWidget()
        return current if isinstance(current, QScrollArea) else None

    @property
    def grid(self) -> _Grid | None:
        return self.scroll.widget() if self.scroll else None

    @property
    def panes(self) -> dict[str, _MapPane]:
        return self.grid.panes if self.grid else {}

    @property
    def class_index(self) -> int:
        return max(self.classes.currentIndex(), 0)

    def reset_view(self) -> None:
        """The maps whole again, as a new image shows them."""
        if self.grid is not None:
            self.grid.fit()

    def set_classes(self, names: list[str], index: int = 0) -> None:
        """The class choice for `names`, showing `index` (the view model picks it)."""
        self.classes.blockSignals(True)
        if [self.classes.itemText(k) for k in range(self.classes.count())] != names:
            self.classes.clear()
            self.classes.addItems(names)
        self.classes.setCurrentIndex(index if names else -1)
        self.classes.blockSignals(False)

    def bind(self, vm: ViewModel) -> None:
        """Lay the maps out again only when the shown result or the class changes."""
        def draw(*_: object) -> None:
            pred, image = vm.prediction(), vm.image
            if image is None:
                return
            maps = internal_maps(pred, vm.class_index) if pred is not None else []
            self.show_maps(image.rgb, maps, "" if maps else sentences.missing_maps(vm))
            self.show_probe(vm.probed())

        def head_result(head: str) -> None:
            if head == vm.head:
                draw()

        vm.events.model.connect(lambda _: self.set_classes(vm.class_names, vm.class_index))
        vm.events.class_index.connect(lambda k: (self.set_classes(vm.class_names, k), draw()))
        vm.events.shown.connect(draw)
        vm.events.probe.connect(lambda _: self.show_probe(vm.probed()))
        vm.events.result.connect(head_result)
        self.class_changed.connect(lambda k: setattr(vm, "class_index", k))
        self.set_classes(vm.class_names, vm.class_index)

    def show_maps(self, rgb: np.ndarray | None, maps: list[InternalMap], why: str = "") -> None:
        """Draw `maps` over a grey copy of `rgb`; without maps, empty every pane and say `why`."""
        self.why.setText(why)
        self.why.setVisible(not maps and bool(why))
        if not maps:  # the panes empty, their value ranges gone; another image's copy and sizes too
            for grid in (area.widget() for area in self.areas.values()):
                same = rgb is not None and grid.backdrop is rgb
                for pane in grid.panes.values():
                    pane.map.clear()
                    pane.feeding.hide()
                    grid.set_title(pane, pane.lines[:2 if same else 1])
                    if not same:
                        pane.backdrop.clear()
                        pane.outline.hide()
                if not same:
                    grid.backdrop = None
            self.placed = {}
            return
        names = tuple(m.name for m in maps)
        if names not in self.areas:
            area = self.areas[names] = QScrollArea()
            area.setFrameShape(QFrame.Shape.NoFrame)
            area.setWidgetResizable(True)  # the grid fills the dock down to its minimum size
            area.setWidget(_Grid(list(names), self.lut))
            self.stack.addWidget(area)
        self.stack.setCurrentWidget(self.areas[names])
        grid = self.grid
        if rgb is None:
            return
        self.placed = {m.name: (m.stride, m.offset) for m in maps}
        h, w = rgb.shape[:2]
        if grid.backdrop is not rgb:  # a head switch or a new class keeps the image: its backdrop too
            grid.backdrop = rgb
            grey = _grey(rgb)
            for pane in grid.panes.values():
                pane.backdrop.setImage(grey, levels=(0, 255))
                pane.outline.setRect(QRectF(0, 0, w, h))
                pane.outline.show()
        for m in maps:
            pane = grid.panes[m.name]
            lo, hi = float(m.values.min()), float(m.values.max())
            pane.map.setImage(m.values, levels=(lo, hi if hi > lo else lo + 1e-6))
            pane.map.setRect(QRectF(*m.rect))
            mh, mw = m.values.shape
            grid.set_title(pane, [m.name, f"stride {m.stride} · {mw}×{mh}", f"{lo:.2g} … {hi:.2g}"])
        if grid.extent != (w, h):
            grid.set_extent(w, h)

    def show_probe(self, probe: Probe | None) -> None:
        """Outline the cells of each map that feed the probed pixel, and list their shares."""
        for name, pane in self.panes.items():
            cells = probe.cells.get(name) if probe is not None else None
            pane.feeding.setVisible(bool(cells) and name in self.placed)
            if cells and name in self.placed:
                pane.feeding.setRect(QRectF(*cell_rects(cells, *self.placed[name])))
        self.probe_text.setPlainText(probe.table() if probe is not None else "")
        self.probe_text.setVisible(probe is not None)
        self.note.setVisible(probe is None)  # the maps keep their rows
