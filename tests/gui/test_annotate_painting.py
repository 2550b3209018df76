"""Painting in the real window with real mouse and key events: mask pixels, brush size, undo, autosave."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow
from PySide6.QtTest import QTest
from scipy import ndimage

from fcn_studio.app.annotate.workspace import model_label_set, new_label_set
from fcn_studio.app.jobs import Lane
from tests.gui.conftest import wait_idle

WAIT_MS = 60_000


def photo(path, w=64, h=48, seed=0):
    rgb = np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)
    rgb[10:30, 12:40] = (230, 40, 40)
    Image.fromarray(rgb).save(path)
    return path


def viewport_point(window, x, y) -> QPoint:
    """Where image coordinate (x, y) is on the image view's viewport."""
    view = window.image_view
    return view.mapFromScene(view.pane.view.mapViewToScene(QPointF(x, y)))


def drag(window, points, button=Qt.MouseButton.LeftButton):
    port = window.image_view.viewport()
    first = viewport_point(window, *points[0])
    QTest.mousePress(port, button, Qt.KeyboardModifier.NoModifier, first)
    for p in points[1:]:
        QTest.mouseMove(port, viewport_point(window, *p))
    QTest.mouseRelease(port, button, Qt.KeyboardModifier.NoModifier, viewport_point(window, *points[-1]))


def wait_saved(qtbot, window):
    """Until the save lane is idle with the shown annotation on disk (bursts of strokes share writes)."""
    state = window.annotate.state
    qtbot.waitUntil(lambda: not window.runner.busy(Lane.SAVE) and state.project.is_saved(state.name), timeout=WAIT_MS)


def on_disk(project, name):
    return np.array(Image.open(project.mask_path(name)))


def colour_at(layer, x, y):
    """(r, g, b, a) the annotation layer holds for pixel (x, y): what it paints there, before its opacity."""
    value = int(layer.argb[y, x])
    return (value >> 16) & 255, (value >> 8) & 255, value & 255, value >> 24


@pytest.fixture
def painting(qtbot, window, tmp_path):
    """The window with one photo open, a new project made from it, and the brush chosen."""
    window.opener.open_paths([photo(tmp_path / "cat photo.png")])
    wait_idle(qtbot, window, "cat photo.png")
    control = window.annotate
    project = control.create_project(tmp_path / "proj", new_label_set(["background", "cat"]), window.view_model.session.images)
    assert project is not None and control.state.annotation is not None and control.state.tool == "brush"
    control.state.radius = 2.0
    window.image_view.pane.fit()
    qtbot.wait(20)
    return control


def test_a_drag_paints_the_brush_class_and_is_saved_as_png_bytes(qtbot, window, painting, monkeypatch):
    state = painting.state
    written, save = [], state.project.save
    monkeypatch.setattr(state.project, "save", lambda name: written.append(name) or save(name))
    state.label = 1
    drag(window, [(10.5, 40.5), (30.5, 40.5), (50.5, 40.5)])
    labels = state.annotation.labels
    assert (labels[40, 10:51] == 1).all() and labels[40, 5] == 255 and labels[20, 20] == 255
    column = labels[:, 30]  # radius 2 round the pointer's row (≈ 40.5, to a screen pixel): 4 or 5 rows
    assert (column[39:42] == 1).all() and (column == 1).sum() in (4, 5) and column[36] == column[44] == 255
    assert colour_at(painting.layer, 30, 40) == (*state.palette[1], 255) and colour_at(painting.layer, 30, 20)[3] == 0
    assert len(state.annotation.history) == 1  # the whole drag is one undo step
    wait_saved(qtbot, window)
    assert written == [state.name]  # one mask write for the drag
    np.testing.assert_array_equal(on_disk(state.project, state.name), labels)
    assert state.project.training_names() == [state.name]
    window.status.hover_at(30, 40)
    readout = window.status.hover.text()
    assert readout.startswith("pixel (30, 40): ") and readout.endswith(" | annotation: cat")


def test_the_annotation_layer_has_its_own_toggle_and_opacity(qtbot, window, painting):
    panel, layer, vm = painting.panel, painting.layer, window.view_model
    overlay = window.image_view.pane.overlay.opacity()
    panel.opacity.setValue(25)
    assert layer.opacity() == pytest.approx(0.25) and window.image_view.pane.overlay.opacity() == overlay
    panel.show_layer.setChecked(False)
    assert not layer.isVisible() and painting.hover_text(30, 40) == ""
    vm.opacity = 0.9
    assert layer.opacity() == pytest.approx(0.25)
    panel.show_layer.setChecked(True)
    assert layer.isVisible()


def test_a_stroke_recolours_only_its_box_of_the_layer(qtbot, window, painting, monkeypatch):
    layer, boxes = painting.layer, []
    redraw = layer.redraw
    monkeypatch.setattr(layer, "redraw", lambda box: boxes.append(box.clipped(layer.annotation.shape)) or redraw(box))
    drag(window, [(20.5, 20.5), (24.5, 20.5)])
    changed = sum(box.shape[0] * box.shape[1] for box in boxes)
    assert 0 < changed < 200  # a few boxes of ~5×9 px each (segment + commit), not the 64×48 image
    port, drawn = window.image_view.viewport(), len(boxes)
    QTest.mousePress(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, viewport_point(window, 30.5, 30.5))
    QTest.mouseMove(port, viewport_point(window, 34.5, 30.5))
    assert len(boxes) == drawn + 2  # each segment at once
    QTest.mouseRelease(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, viewport_point(window, 34.5, 30.5))
    assert len(boxes) == drawn + 3  # the committed stroke once more, not once by the tool and again by the window


def test_brackets_change_the_brush_and_digits_the_class(qtbot, window, painting):
    view, state, panel = window.image_view, painting.state, painting.panel
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_BracketRight)
    assert state.radius == pytest.approx(2.5) and panel.size.value() == 5
    QTest.keyClick(view, Qt.Key.Key_BracketLeft)
    QTest.keyClick(view, Qt.Key.Key_BracketLeft)
    assert state.radius == pytest.approx(1.6)
    head = window.view_model.head
    QTest.keyClick(view, Qt.Key.Key_2)
    assert state.label == 1 and window.view_model.head == head and panel.label.currentIndex() == 1
    QTest.keyClick(view, Qt.Key.Key_1)
    assert state.label == 0
    painting.tool.hover(30.0, 30.0)
    assert painting.tool.cursor.isVisible() and painting.tool.cursor.rect().width() == pytest.approx(3.2)


def test_undo_and_redo_restore_pixels_and_the_saved_mask(qtbot, window, painting):
    state = painting.state
    state.label = 1
    drag(window, [(10.5, 10.5), (40.5, 10.5)])
    after_one = state.annotation.labels.copy()
    state.tool = "eraser"
    drag(window, [(20.5, 10.5), (30.5, 10.5)])
    assert state.annotation.labels[10, 25] == 255
    wait_saved(qtbot, window)
    undo, redo = (next(a for a in window.findChildren(QAction) if a.text() == text) for text in ("&Undo paint", "&Redo paint"))
    assert (undo.shortcut().toString(), redo.shortcut().toString()) == ("Ctrl+Z", "Ctrl+Shift+Z")
    undo.trigger()
    np.testing.assert_array_equal(state.annotation.labels, after_one)
    undo.trigger()
    assert (state.annotation.labels == 255).all()
    undo.trigger()  # nothing left: said so, nothing breaks
    assert "nothing to undo" in painting.panel.status.text()
    redo.trigger()
    np.testing.assert_array_equal(state.annotation.labels, after_one)
    qtbot.waitUntil(lambda: not window.runner.busy(Lane.SAVE), timeout=WAIT_MS)
    np.testing.assert_array_equal(on_disk(state.project, state.name), after_one)
    for _ in range(60):
        state.annotation.paint([(5.5, 5.5)], 1, 0.5)
        state.annotation.paint([(5.5, 5.5)], 0, 0.5)
    for _ in range(60):
        assert state.annotation.undo() is not None  # at least 50 steps back


def test_fill_takes_the_connected_predicted_region(qtbot, window, painting):
    state = painting.state
    state.label, state.tool = 1, "fill"
    pred = window.view_model.prediction().labels
    drag(window, [(32.5, 20.5)])
    components, _ = ndimage.label(pred == pred[20, 32])
    region = components == components[20, 32]
    np.testing.assert_array_equal(state.annotation.labels == 1, region)


def test_polygon_clicks_and_a_double_click_fill_the_inside(qtbot, window, painting):
    state = painting.state
    state.label, state.tool = 1, "polygon"
    port = window.image_view.viewport()
    for corner in ((10, 10), (30, 10), (30, 30)):
        QTest.mouseClick(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, viewport_point(window, *corner))
    QTest.mouseClick(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, viewport_point(window, 10, 30))
    QTest.mouseDClick(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, viewport_point(window, 10, 30))
    inside = state.annotation.labels == 1
    assert inside[12:28, 12:28].all() and not inside[:8].any() and not inside[:, 32:].any()
    state.label = 0
    drag(window, [(40, 30), (55, 30), (55, 45), (40, 45), (40, 31)])  # a lasso: one drag, filled on release
    lasso = state.annotation.labels == 0
    assert lasso[33:43, 42:53].all() and not lasso[:28].any() and len(state.annotation.history) == 2


def test_accept_the_prediction_keeps_strokes_and_honours_the_threshold(qtbot, window, tmp_path):
    window.opener.open_paths([photo(tmp_path / "a.png")])
    wait_idle(qtbot, window, "a.png")
    vm, control = window.view_model, window.annotate
    control.create_project(tmp_path / "p", model_label_set(vm.class_names, vm.palette), window.view_model.session.images)
    state = control.state
    state.annotation.paint([(5.5, 5.5)], 3, 1.0)
    stroke = state.annotation.labels == 3
    pred = vm.prediction()
    state.threshold = 0.0
    control.accept_prediction()
    np.testing.assert_array_equal(state.annotation.labels, np.where(stroke, 3, pred.labels))
    state.annotation.undo()
    state.threshold = float(np.median(pred.scores.max(axis=0)))
    control.accept_prediction()
    sure = pred.scores.max(axis=0) >= state.threshold
    labels = state.annotation.labels
    assert (labels[sure & (labels != 3)] == pred.labels[sure & (labels != 3)]).all()
    assert (labels[~sure & ~stroke] == 255).all() and (labels[stroke] == 3).all()


def test_painting_is_off_while_the_pan_tool_is_chosen(qtbot, window, painting):
    painting.state.tool = "pan"
    drag(window, [(10.5, 10.5), (40.5, 30.5)])
    assert (painting.state.annotation.labels == 255).all()


def test_a_legend_row_picks_the_class_of_that_name(qtbot, window, tmp_path):
    window.opener.open_paths([photo(tmp_path / "a.png")])
    wait_idle(qtbot, window, "a.png")
    vm, control = window.view_model, window.annotate
    control.create_project(tmp_path / "p", model_label_set(vm.class_names, vm.palette), window.view_model.session.images)
    legend = window.legend.list
    rect = legend.visualItemRect(legend.item(2))
    QTest.mouseClick(legend.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    assert control.state.label == 2 and control.panel.label.currentIndex() == 2
    control.pick_class(99)  # no such row: nothing changes
    assert control.state.label == 2


def test_while_painting_digits_pick_the_class_wherever_the_focus_is(qtbot, window, painting):
    heads = window.actions.heads
    picks = [a for a in QMainWindow.actions(window) if a.text().startswith("Class ")]
    assert [a.shortcut().toString() for a in picks] == [str((k + 1) % 10) for k in range(10)]
    assert all(a.isEnabled() for a in picks) and all(a.shortcut().isEmpty() for a in heads.values())
    picks[1].trigger()
    assert painting.state.label == 1
    painting.state.tool = "pan"  # the head switch has its keys again
    assert [a.shortcut().toString() for a in heads.values()] == ["1", "2", "3"] and not any(a.isEnabled() for a in picks)
