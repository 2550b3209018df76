"""The window under stress: 200 quick image switches while it infers, training and segmenting at once.

Covered elsewhere: closing the window during training cancels the job and keeps its checkpoint
(tests/gui/test_training_panel.py::test_closing_the_window_cancels_training_and_waits_for_its_checkpoint).
"""

import pytest
import numpy as np
from PIL import Image

from fcn_studio.app import overlay
from fcn_studio.app.jobs import HeadResult, Lane
from tests.compact_models import PALETTE, write_image
from tests.gui.conftest import WAIT_MS, drop, wait_idle
from tests.gui.test_training_panel import fill
from tests.training.conftest import quick_recipe
from tests.gui.drawn import drawn_overlay

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

PAL = np.array(PALETTE, dtype=np.uint8)


def rgb_of(path):
    return np.array(Image.open(path).convert("RGB"))


def test_200_image_switches_while_inferring_end_on_the_right_result(qtbot, window, reference, tmp_path):
    paths = [write_image(tmp_path / f"s{i}.png", size=48, seed=i) for i in range(8)]
    drop(window, paths)
    qtbot.waitUntil(lambda: window.image_list.count() == 8, timeout=WAIT_MS)
    shown_right = []  # after each result the window handled (its slot runs first): is the current image drawn?
    window.runner.submitted.connect(lambda handle: handle.yielded.connect(lambda e: shown_right.append(
        np.array_equal(window.image_view.pane.image.image, window.view_model.image.rgb)) if isinstance(e, HeadResult) else None))
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 8, 200)
    rows[-1] = 5
    live = []  # segment jobs still meant to run after each switch: only the newest request may be
    for row in rows:
        window.image_list.setCurrentRow(int(row))
        live.append(sum(not job.cancelled for job in window.runner.handles(Lane.SEGMENT)))
        qtbot.wait(int(rng.integers(0, 3)))
    wait_idle(qtbot, window, "s5.png")
    expected = reference["8s"].predict(rgb_of(paths[5])).labels
    np.testing.assert_array_equal(window.view_model.prediction().labels, expected)
    np.testing.assert_array_equal(window.image_view.pane.image.image, rgb_of(paths[5]))
    np.testing.assert_array_equal(drawn_overlay(window.image_view.pane), overlay.overlay_rgba(expected, PAL, 0.5, {0}))  # background clear
    assert window.isVisible() and not window.errors.isVisible() and window.windowTitle().endswith("s5.png")
    assert window.session.forward_passes <= 8 * 3  # superseded requests were cancelled; each head ran once at most
    assert shown_right and all(shown_right)
    assert max(live) == 1  # older requests were cancelled, never queued behind each other


def test_training_and_segmenting_at_once(qtbot, window, reference, colour_set, tmp_path):
    run = tmp_path / "run"
    form = fill(qtbot, window, colour_set, run, quick_recipe(iterations=40, eval_every=20, checkpoint_every=10))
    form.start.click()
    qtbot.waitUntil(lambda: window.training.busy(Lane.TRAIN), timeout=WAIT_MS)
    path = write_image(tmp_path / "meanwhile.png", size=48, seed=3)
    drop(window, [path])
    wait_idle(qtbot, window, "meanwhile.png")
    segmented_while_training = window.training.busy(Lane.TRAIN)
    np.testing.assert_array_equal(window.view_model.prediction().labels, reference["8s"].predict(rgb_of(path)).labels)
    qtbot.waitUntil(lambda: not window.training.busy(), timeout=WAIT_MS)
    assert segmented_while_training and [r.status for r in window.training.session.results] == ["done"]
    assert (run / "best.safetensors").is_file() and not window.errors.isVisible() and window.isVisible()
