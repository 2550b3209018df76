"""Live mode in the real window: strokes painted with mouse events refit the live head and repaint
the shown prediction; the uncertainty layer draws its margin; N shows the least sure image."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QAction

from fcn_studio.app.annotate.live import LiveAnswer
from fcn_studio.app.annotate.workspace import new_label_set
from fcn_studio.app.jobs import Lane
from fcn_studio.gui.uncertainty_layer import MAX_ALPHA, heat_table, uncertainty_image
from tests.gui.conftest import wait_idle
from tests.gui.test_annotate_painting import drag

WAIT_MS = 60_000
RED = (slice(10, 30), slice(12, 40))  # rows, columns of the red block in every photo


def photo(path, seed):
    rgb = np.random.default_rng(seed).integers(0, 60, (48, 64, 3), dtype=np.uint8)
    rgb[RED] = (230, 40, 40)
    Image.fromarray(rgb).save(path)
    return path


@pytest.fixture
def live(qtbot, window, tmp_path):
    """Three photos open, a project made from them, the brush chosen; live on (by default)."""
    window.opener.open_paths([photo(tmp_path / f"photo {k}.png", k) for k in range(3)])
    qtbot.waitUntil(lambda: len(window.view_model.session.images) == 3, timeout=WAIT_MS)
    wait_idle(qtbot, window)
    control = window.live
    control.loop.steps = 20  # the compact random model moves slower than the shipped one
    project = window.annotate.create_project(tmp_path / "proj", new_label_set(["background", "cat"]),
                                             window.view_model.session.images)
    assert project is not None and len(project.names) == 3
    assert control.panel.live.isChecked() and control.panel.live.isEnabled()
    window.annotate.state.radius = 2.0
    window.image_view.pane.fit()
    qtbot.wait(20)
    return control


def paint_cat_and_ground(qtbot, window, live):
    state = window.annotate.state
    answers = live.answers
    state.label = 0
    drag(window, [(2.5, 42.5), (60.5, 42.5)])
    state.label = 1
    drag(window, [(16.5, 15.5), (36.5, 15.5)])
    drag(window, [(16.5, 24.5), (36.5, 24.5)])
    qtbot.waitUntil(lambda: live.answers > answers and not window.runner.busy(Lane.LIVE), timeout=WAIT_MS)


def test_strokes_repaint_the_shown_prediction_toward_the_painted_class(qtbot, window, live):
    vm = window.view_model
    before = vm.prediction().labels.copy()  # the adapted model: "cat" is a new class, scored 0
    assert (before[RED] == 1).mean() < 0.2
    paint_cat_and_ground(qtbot, window, live)
    answer = vm.live_shown()
    assert isinstance(answer, LiveAnswer) and answer.painted == 1
    shown = window.image_view.pane.overlay.image
    np.testing.assert_array_equal(shown, answer.prediction.labels)  # what the view draws is the live answer
    assert (shown[RED] == 1).mean() > 0.5 and (shown[40:48] == 0).mean() > 0.8
    assert live.panel.live_status.text().startswith("live · 1 painted image · fit ")
    assert list(vm.palette[1]) == list(window.annotate.state.palette[1])  # drawn in the project's colours

    live.panel.uncertainty.setChecked(True)
    layer = window.image_view.uncertainty
    assert layer.isVisible() and layer.values is not None
    np.testing.assert_array_equal(layer.values, uncertainty_image(answer.margin))
    live.panel.uncertainty.setChecked(False)
    assert layer.values is None

    live.panel.live.setChecked(False)  # off: back to the head's own result
    assert vm.live_shown() is None
    np.testing.assert_array_equal(window.image_view.pane.overlay.image, before)


def test_the_uncertainty_of_a_head_result_comes_from_its_scores(qtbot, window, live):
    live.panel.live.setChecked(False)
    live.panel.uncertainty.setChecked(True)
    pred = window.view_model.prediction()
    scores = np.sort(pred.scores, axis=0)
    np.testing.assert_array_equal(window.image_view.uncertainty.values, uncertainty_image(scores[-1] - scores[-2]))


def test_next_most_uncertain_shows_the_image_the_live_head_is_least_sure_of(qtbot, window, live):
    vm, state = window.view_model, window.annotate.state
    paint_cat_and_ground(qtbot, window, live)
    painted = state.name
    action = next(a for a in window.findChildren(QAction) if a.text() == "Next most &uncertain image")
    assert action.shortcut().toString() == "N"
    action.trigger()
    qtbot.waitUntil(lambda: state.name != painted and not window.runner.busy(Lane.LIVE), timeout=WAIT_MS)
    head = live.loop.head
    others = [n for n in state.project.names if n != painted]
    unsure = {n: 1 - head.predict(("project", n)).mean_margin for n in others}
    assert state.name == max(unsure, key=unsure.get)
    # the photo already open is shown, not its project copy as a second row of the same name
    assert len(vm.session.images) == 3 and vm.image.path.parent != state.project.root / "images"
    qtbot.waitUntil(lambda: vm.live_shown() is not None, timeout=WAIT_MS)  # the new image under the live head
    assert vm.live_shown().image_key == vm.image.key and vm.live_shown().painted == 1


def test_another_head_resets_the_live_head_and_the_next_stroke_refits_it(qtbot, window, live):
    vm = window.view_model
    paint_cat_and_ground(qtbot, window, live)
    first = live.loop.head
    assert first.model.arch == "fcn8s" and vm.live_shown() is not None
    vm.head = "16s"
    assert vm.live_shown() is None  # the 16s head's own result until the live head is refit
    qtbot.waitUntil(lambda: not window.runner.busy(Lane.LIVE), timeout=WAIT_MS)
    assert live.loop.head is not first and live.loop.head.model.arch == "fcn16s" and live.loop.head.updates == 0
    answers = live.answers
    drag(window, [(16.5, 20.5), (36.5, 20.5)])
    qtbot.waitUntil(lambda: live.answers > answers, timeout=WAIT_MS)
    assert live.loop.head.updates == live.loop.steps and vm.live_shown().painted == 1


def test_the_heat_table_is_clear_where_sure_and_strongest_where_undecided():
    table = heat_table()
    assert table.shape == (256, 4) and table[0, 3] == 0 and table[255, 3] == MAX_ALPHA
    assert (np.diff(table[:, 3].astype(int)) >= 0).all()
    assert uncertainty_image(np.array([[1.0, 0.0, 0.5]])).tolist() == [[0, 255, 128]]
