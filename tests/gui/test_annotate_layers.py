"""Two layers in the real window: the annotation solid, the prediction a lighter fill, each with its
own toggle and opacity in the Annotate dock; painted background shows (not black); a new label set
does not repeat the shown model's colours."""

import pytest

from fcn_studio.app.annotate.workspace import BACKGROUND_COLOUR, DEFAULT_LAYER_OPACITY, PREDICTION_OPACITY, new_label_set
from tests.gui.conftest import wait_idle
from tests.gui.test_annotate_painting import colour_at, drag, photo, wait_saved


def test_annotation_and_prediction_are_two_layers_with_their_own_controls(qtbot, window, tmp_path):
    window.opener.open_paths([photo(tmp_path / "dark.png")])
    wait_idle(qtbot, window, "dark.png")
    vm, control = window.view_model, window.annotate
    model_colours = {tuple(int(v) for v in c) for c in vm.palette}
    control.ask_folder = lambda parent, title: str(tmp_path / "proj")
    control.ask_images = lambda parent, images, shown: [shown]
    control.ask_label_set = lambda: new_label_set(["background", "coin"], avoid=vm.palette)  # what the prompt makes
    before = vm.opacity
    assert before > PREDICTION_OPACITY
    assert control.make_model() is not None
    state, pane, layer, panel = control.state, window.image_view.pane, control.layer, control.panel
    assert not {tuple(int(v) for v in c) for c in state.palette} & model_colours  # not the model's colours
    assert vm.opacity == pane.overlay.opacity() == pytest.approx(PREDICTION_OPACITY)  # the prediction lighter
    assert layer.opacity() == pytest.approx(DEFAULT_LAYER_OPACITY) and DEFAULT_LAYER_OPACITY > PREDICTION_OPACITY
    assert layer.zValue() > pane.overlay.zValue()

    state.radius, state.label = 2.0, 0
    pane.fit()
    drag(window, [(10.5, 40.5), (40.5, 40.5)])  # paint background
    wait_saved(qtbot, window)
    assert colour_at(layer, 20, 40) == (*BACKGROUND_COLOUR, 255)  # drawn, and not black

    row = panel.prediction
    row.slider.setValue(20)
    assert vm.opacity == pytest.approx(0.2) and pane.overlay.opacity() == pytest.approx(0.2)
    assert layer.opacity() == pytest.approx(DEFAULT_LAYER_OPACITY)  # the annotation keeps its own
    row.show_box.setChecked(False)
    assert not pane.overlay.isVisible() and layer.isVisible()
    panel.show_layer.setChecked(False)
    assert not layer.isVisible()
    row.show_box.setChecked(True)
    assert pane.overlay.isVisible() and not layer.isVisible()
    vm.opacity = 0.5  # from elsewhere (the view menu): the row follows
    assert row.slider.value() == 50
