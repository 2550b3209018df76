"""A click on a pixel draws its receptive field and outlines the score cells that feed it."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QEnterEvent

from fcn_studio.app.probe import cell_rects
from fcn_studio.engine import load_model
from fcn_studio.engine.receptive import feeding_cells, receptive_field
from fcn_studio.gui.internals_panel import MIN_MAP, TITLE_HEIGHT
from fcn_studio.paths import sample_images
from tests.compact_models import write_image
from tests.gui.conftest import drop, wait_idle
from tests.gui.drawn import drawn_overlay

SIZE = 560  # larger than the compact VGG16 nets' fields: a centre pixel's box ends inside the image


def viewport_point(view, x, y):
    """Where the centre of image pixel (x, y) is on the image view's viewport."""
    scene = view.pane.view.mapViewToScene(QPointF(x + 0.5, y + 0.5))
    return view.mapFromScene(scene)


def click(qtbot, view, x, y):
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=viewport_point(view, x, y))


def expected_box(path, maps, x, y):
    box = receptive_field(load_model(path), maps, y, x)
    return QRectF(box.left, box.top, box.width, box.height), box


def test_click_draws_the_field_and_outlines_the_feeding_cells_for_both_heads(qtbot, window, family, tmp_path):
    drop(window, [write_image(tmp_path / "big.png", size=SIZE)])
    wait_idle(qtbot, window, "big.png")
    view, vm, panel = window.image_view, window.view_model, window.internals
    click(qtbot, view, 300, 280)
    assert vm.probe == (300, 280)
    maps = vm.prediction().intermediates
    rect, box = expected_box(family["8s"], maps, 300, 280)
    assert view.probe_items.box.isVisible() and view.probe_items.box.rect() == rect
    assert 0 < box.left and box.right < SIZE and 0 < box.top and box.bottom < SIZE  # a real place, not the image
    assert view.probe_items.pixel.rect() == QRectF(300, 280, 1, 1)
    assert view.probe_items.caption.toPlainText().startswith(f"receptive field {box.size[1]} × {box.size[0]} px")
    cells = feeding_cells(load_model(family["8s"]), maps, 280, 300)
    for name in ("score_fr", "score_pool4", "fuse_pool4", "score_pool3", "fuse_pool3", "upscore2"):
        pane = panel.panes[name]
        assert pane.feeding.isVisible(), name
        assert pane.feeding.rect() == QRectF(*cell_rects(cells[name], *vm.prediction().geometry[name])), name
    assert panel.panes["logits"].feeding.rect() == QRectF(300, 280, 1, 1)
    text = panel.probe_text.toPlainText()
    assert panel.probe_text.isVisible() and "score_fr:" in text and "score_pool3:" in text
    r, c = cells["score_pool3"].rows.start, cells["score_pool3"].cols.start
    value = maps["score_pool3"][vm.class_index, r, c]
    assert f"cell ({r},{c}) = {value:.3g} ×" in text

    window.actions.heads["32s"].trigger()  # the same pixel under the coarse head: 2 × 2 score_fr cells, no skips
    maps32 = vm.prediction().intermediates
    rect32, box32 = expected_box(family["32s"], maps32, 300, 280)
    assert view.probe_items.box.rect() == rect32
    cells32 = feeding_cells(load_model(family["32s"]), maps32, 280, 300)
    assert len(cells32["score_fr"]) == 4
    assert panel.panes["score_fr"].feeding.rect() == QRectF(*cell_rects(cells32["score_fr"], *vm.prediction().geometry["score_fr"]))
    assert "score_pool4" not in panel.probe_text.toPlainText()


class HeldTool:
    """A chosen paint tool that takes every left-button event and no key."""

    active = True

    def press(self, *_):
        return True

    move = release = double_click = press

    def key(self, *_):
        return False

    wants_key = key

    def leave(self):
        pass


def test_r_held_follows_the_mouse_a_paint_tool_keeps_the_click_and_escape_clears(qtbot, window, tmp_path):
    drop(window, [write_image(tmp_path / "a.png", size=128)])
    wait_idle(qtbot, window, "a.png")
    view, vm = window.image_view, window.view_model
    window.image_list.setFocus()
    view.enterEvent(QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))  # the mouse comes in
    assert view.hasFocus()  # so R needs no click first
    qtbot.keyPress(view, Qt.Key.Key_R)
    for x, y in ((10, 20), (90, 60)):
        view._moved(view.mapToScene(viewport_point(view, x, y)))  # what a mouse move over the view emits
        assert vm.probe == (x, y) and view.probe_items.pixel.rect() == QRectF(x, y, 1, 1)
    qtbot.keyRelease(view, Qt.Key.Key_R)
    view._moved(view.mapToScene(viewport_point(view, 5, 5)))
    assert vm.probe == (90, 60)  # R released: hovering no longer moves it
    view.tool = HeldTool()
    click(qtbot, view, 30, 30)
    assert vm.probe == (90, 60)  # the click belongs to the paint tool
    view.tool = None
    qtbot.keyPress(view, Qt.Key.Key_Escape)
    assert vm.probe is None and not view.probe_items.box.isVisible()
    assert not window.internals.probe_text.isVisible()
    assert not any(p.feeding.isVisible() for p in window.internals.panes.values())
    click(qtbot, view, 30, 31)
    assert vm.probe == (30, 31)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(2, 2))  # off the image
    assert vm.probe is None


def test_drop_hint_shows_only_until_an_own_image_is_open(qtbot, window, tmp_path):
    view = window.image_view
    drop(window, [sample_images()[0]])
    wait_idle(qtbot, window)
    assert view.hint.isVisible() and view.hint.text() == "drop your own images here"
    drop(window, [write_image(tmp_path / "mine.png")])
    wait_idle(qtbot, window, "mine.png")
    assert not view.hint.isVisible()


def test_show_background_colours_class_zero_and_is_in_the_view_menu(qtbot, window, tmp_path):
    drop(window, [write_image(tmp_path / "a.png")])
    wait_idle(qtbot, window, "a.png")
    labels = window.view_model.prediction().labels
    assert (labels == 0).any()
    alpha = drawn_overlay(window.image_view.pane)[..., 3]
    assert (alpha[labels == 0] == 0).all() and (alpha[labels != 0] == 128).all()
    assert window.actions.background in window.actions.view_menu.actions()
    window.actions.background.trigger()
    assert window.view_model.show_background and window.legend.background.isChecked()
    assert (drawn_overlay(window.image_view.pane)[..., 3] == 128).all()
    assert window.settings.value("show_background") in (True, "true")
    window.legend.background.setChecked(False)
    assert not window.actions.background.isChecked()
    assert np.array_equal(drawn_overlay(window.image_view.pane)[..., 3] == 0, labels == 0)


def test_inside_the_net_keeps_two_rows_of_maps_with_training_shown_and_a_pixel_probed(qtbot, window, tmp_path):
    """The side columns run the window's full height: the Training dock takes height from the image only."""
    drop(window, [write_image(tmp_path / "a.png", size=96)])
    wait_idle(qtbot, window, "a.png")
    window.resize(1280, 760)
    window.show_training()
    window.view_model.probe = (40, 40)
    qtbot.wait(100)
    panel = window.internals
    assert window.training.dock.isVisible() and panel.probe_text.isVisible()
    assert panel.scroll.viewport().height() >= 2 * (TITLE_HEIGHT + MIN_MAP)
    training = window.training.dock.geometry()
    assert training.right() < window.internals.parentWidget().geometry().left()  # beside, not under, the docks
