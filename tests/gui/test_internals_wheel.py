"""Issue #17/1: over "Inside the net" the wheel scrolls the panel; Ctrl+wheel zooms, within limits;
Reset view shows the maps whole again."""

import os
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from fcn_studio.gui.internals_panel import MIN_MAP, ZOOM_LIMIT
from tests.compact_models import write_image
from tests.gui.conftest import drop, wait_idle

SHOTS = os.environ.get("FCN_STUDIO_SHOTS")  # set to a folder to keep the screenshots for a look
NOTCH = 120


def wheel(grid, view, notches: int, ctrl: bool) -> None:
    """A real QWheelEvent over the middle of `view`, sent to the grid's viewport as Qt would."""
    centre = grid.mapFromScene(view.sceneBoundingRect().center())
    modifiers = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    for _ in range(abs(notches)):
        event = QWheelEvent(QPointF(centre), QPointF(grid.viewport().mapToGlobal(centre)), QPoint(0, 0),
                            QPoint(0, NOTCH if notches > 0 else -NOTCH), Qt.MouseButton.NoButton, modifiers,
                            Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(grid.viewport(), event)


def ranges(panel):
    """Each map's view range, rounded past float noise (linked views copy it through a transform)."""
    return [tuple(tuple(round(v, 6) for v in axis) for axis in pane.view.viewRange()) for pane in panel.panes.values()]


def test_wheel_scrolls_the_panel_and_only_ctrl_wheel_zooms_within_limits(qtbot, window, tmp_path):
    drop(window, [write_image(tmp_path / "a.png", size=64)])
    wait_idle(qtbot, window, "a.png")
    panel = window.internals
    window.resize(1280, 420)
    window.resizeDocks([panel.parentWidget()], [160], Qt.Orientation.Vertical)
    qtbot.wait(100)
    grid, bar = panel.grid, panel.scroll.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    first = next(iter(panel.panes.values())).view
    fitted = ranges(panel)

    wheel(grid, first, -3, ctrl=False)  # three notches down over a map: the panel scrolls
    qtbot.wait(20)
    assert bar.value() > 0 and ranges(panel) == fitted
    scrolled = bar.value()
    wheel(grid, first, 1, ctrl=False)
    assert 0 <= bar.value() < scrolled and ranges(panel) == fitted

    at = bar.value()
    wheel(grid, first, -12, ctrl=True)  # far out: clamped, never a dot
    qtbot.wait(20)
    side = max(grid.extent)
    (x0, x1), (y0, y1) = first.viewRange()
    assert bar.value() == at and ranges(panel) != fitted
    assert len(set(ranges(panel))) == 1  # every map zoomed alike: none squashed by the others' zoom
    assert x1 - x0 <= side * ZOOM_LIMIT * 1.01 and y1 - y0 <= side * ZOOM_LIMIT * 1.01
    map_px = first.mapViewToScene(QPointF(side, 0)).x() - first.mapViewToScene(QPointF(0, 0)).x()
    assert map_px >= MIN_MAP / (ZOOM_LIMIT * 1.5)  # the map keeps a visible size
    if SHOTS:
        panel.grab().save(str(Path(SHOTS) / "internals-zoomed-out.png"))
    wheel(grid, first, 30, ctrl=True)  # far in: clamped too
    (x0, x1), (y0, y1) = first.viewRange()
    assert min(x1 - x0, y1 - y0) >= side / ZOOM_LIMIT * 0.99
    last = list(panel.panes.values())[-1].view
    wheel(grid, last, -2, ctrl=True)  # over another map: the same zoom for all
    assert len(set(ranges(panel))) == 1 and first.viewRange()[0][1] - first.viewRange()[0][0] > x1 - x0

    panel.reset.click()
    assert ranges(panel) == fitted
    if SHOTS:
        panel.grab().save(str(Path(SHOTS) / "internals-reset.png"))
