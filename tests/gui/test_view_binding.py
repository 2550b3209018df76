"""The widgets follow the view model whoever changes it, and edit it when the user does."""

import numpy as np
from PySide6.QtCore import Qt

from tests.compact_models import write_image
from tests.gui.conftest import drop, wait_idle
from tests.gui.drawn import drawn_overlay


def test_widgets_follow_the_view_model_and_write_back_to_it(qtbot, window, tmp_path):
    drop(window, [write_image(tmp_path / "a.png"), write_image(tmp_path / "b.png", seed=4)])
    wait_idle(qtbot, window, "b.png")
    vm = window.view_model
    labels = vm.prediction().labels
    shown = int(labels[0, 0])
    vm.hidden = {shown}
    assert window.legend.list.item(shown).checkState() == Qt.CheckState.Unchecked
    assert (drawn_overlay(window.image_view.pane)[..., 3][labels == shown] == 0).all()
    window.legend.set_hidden(shown, False)  # the user ticks it again
    assert vm.hidden == frozenset()
    vm.opacity = 0.3
    assert window.legend.opacity.value() == 30 and window.image_view.pane.overlay.opacity() == 0.3
    vm.compare = True
    assert window.actions.compare.isChecked() and window.stack.currentWidget() is window.compare_view
    vm.compare = False
    assert window.stack.currentWidget() is window.image_view
    vm.class_index = 3
    assert window.internals.classes.currentIndex() == 3
    np.testing.assert_array_equal(window.internals.panes["score_fr"].map.image, vm.prediction().intermediates["score_fr"][3])
    window.step_image(1)  # PgDown past the last image wraps round to the first
    assert vm.image.name == "a.png" and window.image_list.currentRow() == 0
    window.step_image(-1)
    assert vm.image.name == "b.png"
