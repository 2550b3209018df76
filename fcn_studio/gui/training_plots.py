"""Live training plots: loss and mean IU against the update count (one curve per stage), the
per-class IU of the last evaluation as bars, a progress bar with the ETA, and a status line.

The per-class bars lie horizontally, the class names down the left axis, so 16 or VOC's 21 names
stay readable in the dock's default height (names side by side under vertical bars overlapped);
where the rows are too thin for every name, every k-th is written and the tooltip over a bar
names its class and IU.

`show_event(event)` takes the trainer's own events (fcn_studio.training.events) into `curves`
(`app.training_curves.TrainingCurves`: the points, the loss range, the smoothed time left) and
draws them; `show_history(events)` replays the same events read back from a run's metrics.jsonl,
so a resumed run continues its curves. `clear()` empties both: a new run starts on empty plots
with sensible axes. Nothing here knows about jobs or threads.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from ..app.train_job import CheckpointSaved, EvalProgress, Evaluated, StageFinished, StageStarted, StepDone
from ..app.training_curves import LOSS_KIND, TrainingCurves, about, stage_title

STAGE_PENS = {"32s": (80, 160, 255), "16s": (255, 170, 60), "8s": (90, 210, 120), "atonce": (230, 90, 200)}
BAR_BRUSH = (90, 160, 230)
NAME_PT = (8.0, 7.0)  # the class names on the bars' left axis: the larger size whose rows fit
ROW_FILL = 0.9  # a name a row while rows are ≥ 90 % of its line height (cap + descent stay apart)
NAME_CHARS = 12  # longer names are cut with "…" (the tooltip has them whole)


IU_GUIDES = (0.25, 0.5, 0.75)  # IU lies in [0, 1]: guide lines at fixed values
GUIDE_PEN = (255, 255, 255, 45)


def _plot(title: str) -> pg.PlotWidget:
    """A plot on the dock's dark background, without pyqtgraph's grid: a grid makes every redraw
    repaint both axes with their text (per update of the loss plot 18 ms against 7.6 ms; per
    evaluation of the IU plot 36 ms against 6 ms), and the window stalled while training."""
    plot = pg.PlotWidget()
    plot.setBackground((24, 24, 28))
    plot.setTitle(title, size="9pt", color="#e8e8e8")  # names the y axis too: no axis label to take width
    plot.getAxis("left").enableAutoSIPrefix(False)  # it wrote "(x0.001)" and ticks 100…400 for a loss of 0.3
    plot.setMenuEnabled(False)
    plot.setMinimumHeight(150)
    return plot


def _iu_guides(plot: pg.PlotWidget, axis: str) -> None:
    """Fixed lines across the plot at IU_GUIDES in place of a grid (drawn once, cheap to repaint),
    the IU axis ticked at the same values: 0, 0.5 and 1 always written, 0.25 and 0.75 where they
    fit (pyqtgraph leaves a finer level's text out in a narrow plot)."""
    for value in IU_GUIDES:
        line = pg.InfiniteLine(value, angle=90 if axis == "bottom" else 0, pen=pg.mkPen(GUIDE_PEN), movable=False)
        line.setZValue(-10)
        plot.addItem(line, ignoreBounds=True)
    major = [(v, f"{v:g}") for v in (0.0, 0.5, 1.0)]
    plot.getAxis(axis).setTicks([major, [(v, f"{v:g}") for v in IU_GUIDES if v != 0.5]])


class TrainingPlots(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.curves = TrainingCurves()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.status = QLabel("no training running")
        self.status.setWordWrap(True)
        self.loss_plot = _plot("loss")
        self.loss_plot.setLabel("bottom", "update")
        self.iu_plot = _plot("mean IU (val)")
        self.iu_plot.setLabel("bottom", "update")
        _iu_guides(self.iu_plot, "left")
        # The title names the axis: rows keep its height. Short: pyqtgraph makes a title's width
        # the plot's minimum, and a longer one pushed the bars' right end out of the dock.
        self.bars_plot = _plot("IU per class")
        _iu_guides(self.bars_plot, "bottom")
        self.bars_plot.setMouseEnabled(x=False, y=False)
        self.bars_plot.invertY(True)  # the first class on top, as in the legend
        self._name_font = QFont(QApplication.font())
        self._name_font.setPointSizeF(NAME_PT[0])
        self.bars_plot.scene().sigMouseMoved.connect(self._bar_tooltip)
        self.bars_plot.getViewBox().sigResized.connect(lambda *_: self._name_ticks())  # taller: more names
        self.loss_curves: dict[str, pg.PlotDataItem] = {}
        self.iu_curves: dict[str, pg.PlotDataItem] = {}
        self.bars: pg.BarGraphItem | None = None
        # While a history replays, curves and bars are drawn once at its end, not per event.
        self._replay: dict[tuple[str, str], None] | None = None
        # Where the curves are not: a loss falls from the top left, a mean IU rises to the top right.
        self.loss_plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.iu_plot.addLegend(offset=(-8, -8), labelTextSize="8pt")
        self._empty_axes()

        top = QHBoxLayout()
        top.addWidget(self.progress, 1)
        plots = QHBoxLayout()
        # The bars need room for a column of class names beside them; the curves do not.
        for plot, share in ((self.loss_plot, 2), (self.iu_plot, 2), (self.bars_plot, 3)):
            plots.addWidget(plot, share)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addLayout(plots, 1)

    @property
    def bar_values(self) -> list[float]:
        return self.curves.bars[0] if self.curves.bars else []

    @property
    def bar_names(self) -> list[str]:
        return self.curves.bars[1] if self.curves.bars else []

    def clear(self) -> None:
        """Empty plots for a new run: no curves, legends, bars or class names of the last one."""
        self.curves.clear()
        for plot, curves in ((self.loss_plot, self.loss_curves), (self.iu_plot, self.iu_curves)):
            for curve in curves.values():
                plot.removeItem(curve)
            curves.clear()
            if plot.plotItem.legend is not None:
                plot.plotItem.legend.clear()
        if self.bars is not None:
            self.bars_plot.removeItem(self.bars)
            self.bars = None
        self._empty_axes()
        self.progress.setValue(0)
        self.progress.setFormat("%p%")

    def _empty_axes(self) -> None:
        """Axes that read right before any point: updates from 0, IU 0 → 1 upwards, a loss from 0,
        no class names (and no row numbers) beside the empty bars; not a range the user zoomed to."""
        self.loss_plot.enableAutoRange(x=True, y=False)
        self.loss_plot.setYRange(*self.curves.loss_range(), padding=0.05)
        self.iu_plot.enableAutoRange(x=True, y=False)
        self.iu_plot.setYRange(0, 1)
        for plot in (self.loss_plot, self.iu_plot):
            plot.setXRange(0, 1)
            plot.enableAutoRange(x=True)
        self.bars_plot.setXRange(0, 1)
        self.bars_plot.setYRange(-0.6, 0.6, padding=0)
        self.bars_plot.getAxis("left").setTicks([[]])

    # ----- events ------------------------------------------------------------------------------
    def show_event(self, event: object) -> None:
        changed = self.curves.take(event)
        if isinstance(event, StageStarted):
            start = f"from update {event.start_iteration}" if event.start_iteration else "from the start"
            self.status.setText(f"training {event.arch} ({stage_title(event.stage)}), {event.iterations} updates, {start}")
            self._progress(event.start_iteration, event.iterations)
        elif isinstance(event, StepDone):
            self._progress(event.iteration, event.iterations)
            self.status.setText(f"{stage_title(event.stage)}: update {event.iteration}/{event.iterations} · loss {event.loss:.4f} · "
                                f"lr {event.lr:.2g} · {event.images_per_s:.1f} img/s")
        elif isinstance(event, Evaluated) and self._replay is None:
            self._draw_bars()
        elif isinstance(event, EvalProgress):
            self.progress.setRange(0, 100)
            self.progress.setValue(round(100 * event.done / max(event.total, 1)))
            self.progress.setFormat(f"evaluating %p% ({event.done}/{event.total} images)")
        elif isinstance(event, CheckpointSaved):
            self.status.setText(f"{stage_title(event.stage)}: checkpoint at update {event.iteration} saved")
        elif isinstance(event, StageFinished):
            hint = " — Resume… continues it from there" if event.status == "cancelled" else ""
            self.status.setText(f"{stage_title(event.stage)} {event.status}: {event.message}{hint}")
            if event.status == "done":
                self.progress.setValue(100)
                self.progress.setFormat("%p% · done")
            else:
                self.progress.setFormat(f"%p% · {event.status} at update {event.iteration}")
        if changed is not None:
            if self._replay is None:
                self._draw(*changed)
            else:
                self._replay[changed] = None

    def show_history(self, events: list[object]) -> None:
        """Replay what a run logged before through `show_event`, as if it were happening; the
        resumed run's own events then continue the same curves. Each curve is drawn once at the
        end (one setData per curve: a long run logs thousands of steps)."""
        self._replay = {}  # ordered: the legend lists stages as they ran
        try:
            for event in events:
                self.show_event(event)
        finally:
            drawn, self._replay = self._replay, None
        for kind, stage in drawn:
            self._draw(kind, stage)
        self._draw_bars()

    def show_bars(self, iu: list[float], names: list[str]) -> None:
        """Per-class IU bars, as an evaluation with these values would show them."""
        self.curves.set_bars(iu, names)
        self._draw_bars()

    def _draw_bars(self) -> None:
        if self.curves.bars is None:
            return
        values = self.bar_values
        if self.bars is not None:
            self.bars_plot.removeItem(self.bars)
        rows = np.arange(len(values))
        self.bars = pg.BarGraphItem(x0=0, y=rows, width=values, height=0.7, brush=BAR_BRUSH)
        self.bars_plot.addItem(self.bars)
        self._name_ticks()
        self.bars_plot.setYRange(-0.6, max(len(values) - 0.4, 0.6), padding=0)
        self.bars_plot.setXRange(0, 1)

    def _name_ticks(self) -> None:
        """Every name, in the larger font whose line fits a row; where none fits, every k-th name
        (k the smallest that fits) in the smaller. Names cut to NAME_CHARS."""
        names = self.bar_names
        if not names:
            return
        row = self.bars_plot.getViewBox().height() / max(len(names), 1)
        for pt in NAME_PT:
            self._name_font.setPointSizeF(pt)
            line = QFontMetricsF(self._name_font).height()
            if row >= ROW_FILL * line:
                break
        step = max(1, math.ceil(ROW_FILL * line / max(row, 1.0)))
        cut = [n if len(n) <= NAME_CHARS else n[: NAME_CHARS - 1] + "…" for n in names]
        axis = self.bars_plot.getAxis("left")
        axis.setStyle(tickFont=self._name_font)
        axis.setTicks([[(k, cut[k] if k % step == 0 else "") for k in range(len(cut))]])

    def _bar_tooltip(self, pos: QPointF) -> None:
        view = self.bars_plot.getViewBox()
        k = round(view.mapSceneToView(pos).y()) if view.sceneBoundingRect().contains(pos) else -1
        inside = 0 <= k < len(self.bar_values)
        self.bars_plot.setToolTip(f"{self.bar_names[k]}: IU {self.bar_values[k]:.3f}" if inside else "")

    # ----- helpers -----------------------------------------------------------------------------
    def _draw(self, kind: str, stage: str) -> None:
        curve = self.curves.curve(kind, stage)
        curves, plot = (self.loss_curves, self.loss_plot) if kind == LOSS_KIND else (self.iu_curves, self.iu_plot)
        if stage not in curves:
            pen = pg.mkPen(STAGE_PENS.get(stage, (220, 220, 220)), width=2)
            symbol = {} if kind == LOSS_KIND else {"symbol": "o", "symbolSize": 6, "symbolBrush": STAGE_PENS.get(stage)}
            curves[stage] = plot.plot([], [], pen=pen, name=stage, **symbol)
        curves[stage].setData(np.array(curve.x, float), np.array(curve.y, float))
        if kind == LOSS_KIND:  # one early spike must not flatten the curve: the range leaves it out
            self.loss_plot.setYRange(*self.curves.loss_range(), padding=0.05)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, 100)
        self.progress.setValue(round(100 * done / max(total, 1)))
        self.progress.setFormat(f"%p% · {done}/{total} · {about(self.curves.seconds_left)}")
