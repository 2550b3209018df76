"""The "Inside the net" dock when it is short or narrow: the maps keep a readable size and the grid
scrolls, and long map names (FCN-GoogLeNet's) neither widen nor hide the right column."""

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from fcn_studio.engine import save_model
from fcn_studio.gui.internals_panel import MIN_MAP
from tests.compact_models import compact_model, write_image
from tests.gui.conftest import drop, make_window, wait_idle
from tests.gui.test_backbones_in_app import GOOGLENET_MAPS

SHOTS = os.environ.get("FCN_STUDIO_SHOTS")  # set to a folder to keep the screenshots for a look


@pytest.fixture(scope="module")
def googlenet_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("googlenet")
    save_model(compact_model("googlenet-fcn8s", family="g"), folder / "googlenet-fcn8s.safetensors")
    return folder


@pytest.fixture
def window(qtbot, googlenet_folder, tmp_path):
    w = make_window(qtbot, googlenet_folder, tmp_path / "settings.ini")
    drop(w, [write_image(tmp_path / "a.png", size=96)])
    wait_idle(qtbot, w, "a.png")
    assert list(w.internals.panes) == GOOGLENET_MAPS
    yield w
    w.close()


def settle(qtbot):
    qtbot.wait(100)  # dock and layout resizes are posted events


def assert_every_map_readable_and_reachable(panel):
    grid = panel.grid
    for name, pane in panel.panes.items():
        cell = pane.view.sceneBoundingRect()
        assert cell.width() >= MIN_MAP - 1 and cell.height() >= MIN_MAP - 1, name
        assert cell.right() <= grid.width() and cell.bottom() <= grid.height(), name  # inside the scrolled area
        assert pane.title.itemRect().width() <= grid.column_width, name  # the title fits its column
        assert pane.title.toolTip().split("\n")[0] == name  # the full name, however the title is elided


def test_short_dock_scrolls_instead_of_shrinking_the_maps(qtbot, window, tmp_path):
    panel = window.internals
    window.resize(1280, 420)
    window.resizeDocks([panel.parentWidget()], [160], Qt.Orientation.Vertical)
    settle(qtbot)
    area, grid = panel.scroll, panel.grid
    assert area.viewport().height() < grid.minimumHeight()
    assert grid.height() == grid.minimumHeight()
    assert area.verticalScrollBar().maximum() == grid.height() - area.viewport().height() > 0
    assert_every_map_readable_and_reachable(panel)
    if SHOTS:
        panel.grab().save(str(Path(SHOTS) / "internals-short.png"))


def test_narrow_dock_keeps_the_right_column_and_elides_long_names(qtbot, window, tmp_path):
    panel = window.internals
    dock = panel.parentWidget()
    assert isinstance(dock, QDockWidget)
    window.resizeDocks([dock], [150], Qt.Orientation.Horizontal)
    settle(qtbot)
    area, grid = panel.scroll, panel.grid
    assert area.viewport().width() < grid.minimumWidth()
    assert area.horizontalScrollBar().maximum() == grid.width() - area.viewport().width() > 0
    assert_every_map_readable_and_reachable(panel)
    long_name = panel.panes["upscore_inception4e"].title.text
    assert "upscore_inception4e" not in long_name and "…" in long_name  # elided to fit its column
    if SHOTS:
        panel.grab().save(str(Path(SHOTS) / "internals-narrow.png"))
    window.resizeDocks([dock], [700], Qt.Orientation.Horizontal)  # wide again: the names come back whole
    settle(qtbot)
    assert area.horizontalScrollBar().maximum() == 0
    assert "upscore_inception4e" in panel.panes["upscore_inception4e"].title.text


def test_a_result_without_maps_empties_the_panes_and_their_value_ranges(qtbot, window):
    """A training round's live answer has no maps: the panes are emptied and their titles keep only
    name and stride (they showed the last full result's value range over an empty pane); the next
    full result writes the ranges again. The grey backdrop is the one image, kept."""
    panel, vm = window.internals, window.view_model
    pane = panel.panes["score_fr"]
    assert len(pane.lines) == 3 and "…" in pane.lines[2]
    backdrop = panel.grid.backdrop
    panel.show_maps(vm.image.rgb, [])
    assert pane.map.image is None and pane.lines == pane.lines[:2] and len(pane.lines) == 2
    assert pane.title.toolTip().count("\n") == 1 and panel.grid.backdrop is backdrop
    vm.refresh()
    qtbot.waitUntil(lambda: len(panel.panes["score_fr"].lines) == 3, timeout=10000)
    assert panel.panes["score_fr"].map.image is not None
