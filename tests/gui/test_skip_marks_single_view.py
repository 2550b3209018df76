"""Issue #17/13: in the single view the skip marks have a legend line with their count; on FCN-32s
(no skips) the action is disabled, its tooltip and the view say why."""

import os
from pathlib import Path

import numpy as np

from fcn_studio.app import analysis
from fcn_studio.app.overlay import MARK_COLOUR
from tests.compact_models import write_image
from tests.gui.conftest import drop, wait_idle
from tests.gui.drawn import drawn_marks

SHOTS = os.environ.get("FCN_STUDIO_SHOTS")  # set to a folder to keep the screenshots for a look


def test_marks_have_a_counted_legend_and_32s_says_it_has_no_skips(qtbot, window, tmp_path):
    drop(window, [write_image(tmp_path / "a.png", size=96)])
    wait_idle(qtbot, window, "a.png")
    vm, view, changes = window.view_model, window.image_view, window.actions.changes
    assert changes.isEnabled() and not view.marks_note.isVisible()
    changes.trigger()
    changed = analysis.skip_changes(vm.prediction("16s").labels, vm.prediction("8s").labels)
    n = int(changed.sum())
    text = view.marks_note.text()
    assert view.marks_note.isVisible() and 0 < n < changed.size
    assert text.endswith(f"{n:,} px ({100 * n / changed.size:.1f} %) changed by the skips (FCN-8s vs 16s)".replace(",", " "))
    assert f"rgb({MARK_COLOUR[0]},{MARK_COLOUR[1]},{MARK_COLOUR[2]})" in text and "■" in text  # the marks' colour
    np.testing.assert_array_equal(drawn_marks(view.pane)[..., 3] > 0, changed)
    note = view.marks_note.geometry()
    assert view.rect().contains(note) and note.bottom() > view.height() / 2  # bottom left, on screen
    if SHOTS:
        window.grab().save(str(Path(SHOTS) / "skips-8s.png"))

    window.actions.heads["32s"].trigger()  # marks on, 32s: nothing to mark, and it says why
    reason = "FCN-32s has no skip layers: pick 16s or 8s to see where the skips changed the answer"
    assert drawn_marks(view.pane) is None and view.marks_note.isVisible() and view.marks_note.text() == reason
    assert changes.isEnabled() and changes.toolTip() == reason  # still on: it can be turned off
    if SHOTS:
        window.grab().save(str(Path(SHOTS) / "skips-32s.png"))
    changes.trigger()
    assert not changes.isEnabled() and changes.toolTip() == reason and not view.marks_note.isVisible()
    window.actions.compare.trigger()  # the grid has 16s and 8s panes: the action is back
    assert changes.isEnabled()
    window.actions.compare.trigger()
    window.actions.heads["16s"].trigger()
    assert changes.isEnabled() and "skip changed" in changes.toolTip()
