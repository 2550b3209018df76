"""Issue #17/4: the per-class IU chart names every class readably in the Training dock's default
size: horizontal bars, one name a row on the left axis, none overlapping another."""

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter

from fcn_studio.app.train_job import Evaluated
from fcn_studio.gui.training_plots import ROW_FILL, TrainingPlots
from fcn_studio.palette import VOC_CLASSES

SHOTS = os.environ.get("FCN_STUDIO_SHOTS")  # set to a folder to keep the screenshots for a look
SIXTEEN = ["background", "disc", "ring", "bar", "triangle", "cross", "star", "moon", "arrow", "square", "hexagon",
           "ellipse", "heart", "spiral", "zigzag", "crescent_moon_long_name"]


def tick_names(plots):
    """The names the bars' left axis writes ("" where a row is left unnamed to make room)."""
    ticks = plots.bars_plot.getAxis("left")._tickLevels
    return [label for _, label in ticks[0]] if ticks else []


def label_rects(axis):
    """Where the left axis writes each of its tick labels (pyqtgraph's own layout of them), top down."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return sorted((rect for rect, _, text in specs[2] if text), key=lambda r: r.center().y())


def assert_apart(rects):
    """No two names on top of each other: a line apart, or nearly (ROW_FILL: cap and descent clear)."""
    for upper, lower in zip(rects, rects[1:]):
        assert lower.center().y() - upper.center().y() >= ROW_FILL * upper.height() - 0.01


@pytest.mark.parametrize("names", [SIXTEEN, list(VOC_CLASSES)], ids=["16-classes", "voc-21"])
def test_every_class_name_is_written_once_without_overlap(qtbot, window, names):
    window.show_training()
    qtbot.wait(100)  # the dock takes its default height
    plots = window.training.panel.plots
    iu = [round(0.04 * k, 2) for k in range(len(names))]
    plots.show_event(Evaluated("8s", 100, {"mean_iu": 0.4, "iu": iu, "class_names": names}, True))
    qtbot.wait(50)
    assert plots.bar_values == pytest.approx(iu) and list(plots.bars.opts["width"]) == pytest.approx(iu)
    assert list(plots.bars.opts["y"]) == list(range(len(names)))  # one row per class, first on top
    written = tick_names(plots)
    assert written == [n if len(n) <= 12 else n[:11] + "…" for n in names]  # every name, at this size
    axis = plots.bars_plot.getAxis("left")
    qtbot.waitUntil(lambda: len(label_rects(axis)) == len(names))  # the axis widens to its longest name
    rects = label_rects(axis)
    assert_apart(rects)
    view = plots.bars_plot.getViewBox()
    plots._bar_tooltip(view.mapViewToScene(QPointF(0.1, len(names) - 1)))
    assert plots.bars_plot.toolTip() == f"{names[-1]}: IU {iu[-1]:.3f}"  # the whole name, and its value
    if SHOTS:
        window.training.dock.grab().save(str(Path(SHOTS) / f"iu-bars-{len(names)}.png"))


def test_a_short_plot_writes_every_kth_name_and_keeps_the_rest_in_tooltips(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(900, 190)
    plots.show()
    names = list(VOC_CLASSES)
    plots.show_bars([0.5] * len(names), names)
    qtbot.wait(50)
    written = tick_names(plots)
    shown = [k for k, n in enumerate(written) if n]
    assert 1 < len(shown) < len(names) and shown[0] == 0
    assert all(b - a == shown[1] - shown[0] for a, b in zip(shown, shown[1:]))  # every k-th
    axis = plots.bars_plot.getAxis("left")
    qtbot.waitUntil(lambda: len(label_rects(axis)) == len(shown))
    rects = label_rects(axis)
    assert_apart(rects)
    plots.resize(900, 700)  # taller: every name again
    qtbot.wait(50)
    assert all(tick_names(plots))


def test_each_plot_fits_its_view_at_the_docks_default_width(qtbot, window):
    """pyqtgraph makes a title's and an axis label's width the plot's minimum: the long title
    "per-class IU, last evaluation" pushed the bars' right end (IU 0.8 and 1) out of the dock."""
    window.show_training()
    qtbot.wait(100)
    plots = window.training.panel.plots
    plots.show_event(Evaluated(stage="32s", iteration=10, metrics={"mean_iu": 0.4, "iu": [0.5] * 16,
                                                                  "class_names": SIXTEEN}, is_best=False))
    qtbot.wait(50)
    from PySide6.QtCore import Qt
    for plot in (plots.loss_plot, plots.iu_plot, plots.bars_plot):
        need = plot.plotItem.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
        assert need <= plot.width(), (plot.plotItem.titleLabel.text, need, plot.width())
    assert plots.bars_plot.getAxis("bottom").range[1] >= 1.0  # the IU axis runs to 1, in view


def test_the_loss_axis_writes_losses_not_an_si_scaled_copy(qtbot, window):
    """pyqtgraph's automatic SI prefix wrote "(x0.001)" and ticks 100…400 for losses of 0.1…0.4."""
    from fcn_studio.app.train_job import StepDone
    plots = window.training.panel.plots
    for i in range(1, 30):
        plots.show_event(StepDone(stage="32s", iteration=i, iterations=30, loss=0.1 + 0.01 * i, lr=1e-3,
                                  images_per_s=1.0, eta_s=10.0))
    axis = plots.loss_plot.getAxis("left")
    assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()
