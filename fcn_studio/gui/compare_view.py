"""Side-by-side grid 32s | 16s | 8s (| truth), panning and zooming together.

The panes are laid out in the grid shape that draws the image largest in the panel
(`app.grid_shape.best_grid`): 2 × 2 for four panes in the default window, one row only in a very
wide one; a resize that changes the best shape rebuilds the grid.

With "show skip changes" on, each finer head's pane marks the pixels its skip changed relative
to the next coarser head (16s vs 32s, 8s vs 16s): the paper's Figure 4, per pixel.

`bind(view_model)` draws while the model's `compare` is on; like the single view, a toggle or an
opacity change touches only the panes' colour tables and layer opacities.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ..app.catalog import HEADS
from ..app.grid_shape import best_grid
from ..app import view_sentences as sentences
from ..app.view_model import ViewModel
from .grid_layout import equal_columns, equal_rows, link_views
from .image_view import NO_MODEL_HINT, ImagePane


TITLE_HEIGHT = 54  # three lines of 9 pt: head, pixels changed, metrics


class CompareView(pg.GraphicsLayoutWidget):
    """Panes are rebuilt only when the set of columns changes; `hovered(x, y)` like ImageView."""

    hovered = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(False)
        self.setBackground((24, 24, 28))
        self.columns: list[str] = []
        self.shape = (1, 0)  # rows, columns of the grid the panes are in
        self.panes: dict[str, ImagePane] = {}
        self.titles: dict[str, pg.LabelItem] = {}
        self.scene().sigMouseMoved.connect(self._moved)

    def best_shape(self, count: int) -> tuple[int, int]:
        """The grid that draws the shown image largest in this widget."""
        image = self.vm.image if getattr(self, "vm", None) is not None else None
        size = image.size if image is not None else (4, 3)
        layout = self.ci.layout
        left, top, right, bottom = layout.getContentsMargins()
        viewport = self.viewport()
        return best_grid(count, (viewport.width() - left - right, viewport.height() - top - bottom), size,
                         TITLE_HEIGHT, layout.horizontalSpacing())

    def set_columns(self, columns: list[str]) -> None:
        """Panes for `columns` (heads and truth), in the best grid shape for the widget's size."""
        shape = self.best_shape(len(columns))
        if columns == self.columns and shape == self.shape:
            return
        self.clear()
        self.columns, self.panes, self.titles, self.shape = list(columns), {}, {}, shape
        for i, name in enumerate(columns):
            row, col = 2 * (i // shape[1]), i % shape[1]
            title = self.titles[name] = self.addLabel(name, row=row, col=col, size="9pt", color="#e8e8e8")
            # Equal title heights keep the linked, aspect-locked cells the same size; unequal
            # cells would make the links and the aspect locks widen each other's ranges.
            title.setMinimumHeight(TITLE_HEIGHT)
            title.setMaximumHeight(TITLE_HEIGHT)
            self.ci.layout.setColumnStretchFactor(col, 1)
            view = self.addViewBox(row=row + 1, col=col, enableMenu=False)
            self.panes[name] = ImagePane(view)
        link_views([pane.view for pane in self.panes.values()])
        self._equal_columns()
        QTimer.singleShot(0, self.fit)  # once the new cells have their size

    def show_pane(self, name: str, rgb: np.ndarray | None, labels: np.ndarray | None, marks: np.ndarray | None,
                  title: str) -> None:
        pane = self.panes[name]
        pane.set_image(rgb)
        pane.set_overlay(labels)
        pane.set_marks(marks)
        self.titles[name].setText(title)

    # ----- following the view model ------------------------------------------------------------
    def bind(self, vm: ViewModel) -> None:
        self.vm = vm
        for signal in (vm.events.compare, vm.events.changes, vm.events.result):
            signal.connect(lambda *_: self.draw())
        vm.events.shown.connect(self.draw)
        vm.events.hidden.connect(lambda _: self._restyle())
        vm.events.show_background.connect(lambda _: self._restyle())
        vm.events.opacity.connect(lambda _: self._restyle())

    def draw(self) -> None:
        """Every pane from the model: columns, images, label maps, marks and titles."""
        vm = self.vm
        image = vm.image
        if not vm.compare or image is None:
            return
        family = vm.family
        columns = list(family) + (["truth"] if image.truth is not None else [])
        self.set_columns(columns or ["image"])
        self._restyle()
        for head in family:
            pred = vm.prediction(head)
            changed = vm.skip_changes(head) if vm.changes else None
            lines = [f"<b>{sentences.head_label(vm, head)}</b>" + ("" if pred else " computing…")]
            if changed is not None:
                lines.append(f"{int(changed.sum())} px changed vs {HEADS[HEADS.index(head) - 1]}")
            metrics = vm.metrics(head)
            lines.append(f"mIU {metrics['mean_iu']:.3f} · acc. {metrics['pixel_acc']:.3f}" if metrics else "")
            self.show_pane(head, image.rgb, pred.labels if pred is not None else None, changed, "<br>".join(lines))
        if image.truth is not None and vm.entry is not None:
            self.show_pane("truth", image.rgb, image.truth, None, "ground truth")
        if not family:
            self.show_pane("image", image.rgb, None, None, NO_MODEL_HINT)

    def _restyle(self) -> None:
        lut = self.vm.label_lut()
        for pane in self.panes.values():
            pane.set_lut(lut)
            pane.set_opacity(self.vm.opacity)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if getattr(self, "columns", None) and self.best_shape(len(self.columns)) != self.shape:
            self.draw()  # another shape draws the image larger now: rebuild the grid
        self._equal_columns()

    def _equal_columns(self) -> None:
        if getattr(self, "columns", None):
            equal_columns(self, self.shape[1], self.titles.values(), 40.0)
            equal_rows(self, self.shape[0], TITLE_HEIGHT, 40.0)

    def fit(self) -> None:
        if self.panes:
            next(iter(self.panes.values())).fit()

    def _moved(self, pos: QPointF) -> None:
        for pane in self.panes.values():
            pixel = pane.pixel_at(pos)
            if pixel:
                self.hovered.emit(*pixel)
                return
        self.hovered.emit(-1, -1)
