"""Issue #17/6: a relaunch comes back on the head the user left, in the toolbar and in the drawing."""

import numpy as np
from PIL import Image

from fcn_studio.app import overlay
from tests.compact_models import PALETTE, write_image
from tests.gui.conftest import drop, make_window, wait_idle
from tests.gui.drawn import drawn_overlay

PAL = np.array(PALETTE, dtype=np.uint8)


def _reopen_and_check(qtbot, family, settings, path, reference, head):
    window = make_window(qtbot, family["8s"].parent, settings)
    drop(window, [path])
    wait_idle(qtbot, window, path.name)
    checked = [h for h, act in window.actions.heads.items() if act.isChecked()]
    expected = reference[head].predict(np.array(Image.open(path).convert("RGB"))).labels
    assert checked == [head] and window.view_model.head == head
    np.testing.assert_array_equal(drawn_overlay(window.image_view.pane), overlay.overlay_rgba(expected, PAL, 0.5, {0}))  # background clear
    assert window.status.timing.text().startswith(f"FCN-{head} · ")
    return window


def test_the_head_left_is_the_head_reopened(qtbot, family, reference, tmp_path):
    settings, path = tmp_path / "s.ini", write_image(tmp_path / "a.png")
    window = make_window(qtbot, family["8s"].parent, settings)
    window.actions.heads["16s"].trigger()
    window.close()
    again = _reopen_and_check(qtbot, family, settings, path, reference, "16s")
    # The reported case: FCN-32s on the toolbar, then FCN-8s picked in the model list.
    again.actions.heads["32s"].trigger()
    combo = again.actions.model_combo
    index = next(i for i, e in enumerate(again.session.catalog.entries) if e.path == family["8s"].resolve())
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert again.view_model.head == "8s"
    again.close()
    _reopen_and_check(qtbot, family, settings, path, reference, "8s").close()
