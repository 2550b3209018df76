""""Train on my annotations" in the real window: sparse strokes, a compact model, a few updates."""

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from fcn_studio.app.annotate.jobs import LiveResult
from fcn_studio.app.annotate.workspace import new_label_set
from fcn_studio.engine import Prediction, read_info
from fcn_studio.training.run_folder import read_config
from tests.gui.conftest import wait_idle
from tests.gui.test_annotate_painting import drag, photo, wait_saved
from tests.gui.drawn import drawn_overlay

WAIT_MS = 120_000


def test_a_round_on_sparse_strokes_gives_a_model_in_the_picker_and_a_held_out_mean_iu(qtbot, window, tmp_path):
    window.opener.open_paths([photo(tmp_path / f"p{k}.png", seed=k) for k in range(3)])
    wait_idle(qtbot, window, "p2.png")
    vm, control = window.view_model, window.annotate
    project = control.create_project(tmp_path / "proj", new_label_set(["background", "red"]), window.view_model.session.images)
    state = control.state
    state.radius = 1.5
    window.image_view.pane.fit()
    for image in vm.session.images:
        vm.image = image
        state.label = 1
        drag(window, [(14.5, 14.5), (36.5, 26.5)])  # a scribble inside the red box
        state.label = 0
        drag(window, [(5.5, 40.5), (60.5, 40.5)])  # and one across the background
        wait_saved(qtbot, window)
    window.annotate.panel.held_out.setChecked(True)  # p2, the shown one, is kept for testing
    assert project.training_names() == ["p0", "p1"] and project.held_out_names() == ["p2"]
    labelled = sum(int((project.annotation(n).labels != 255).sum()) for n in project.names)
    assert labelled < 0.2 * 3 * 64 * 48  # sparse: most pixels are unlabelled

    box = window.training.panel.annotations
    box.updates.setValue(4)
    box.live_every.setValue(0.0)
    before = len(vm.session.catalog.entries)
    lives = []
    vm.events.live.connect(lambda live: live is not None and lives.append(live))
    session = control.session
    window.train_on_annotations()
    assert window.training.dock.isVisible() and box.cancel.isEnabled() and not box.start.isEnabled()
    assert session.running
    qtbot.waitUntil(lambda: not session.running and not window.runner.busy(), timeout=WAIT_MS)

    done = session.rounds[0]
    assert done.result.status == "done" and done.run_dir == project.root / "rounds" / "round-001"
    assert read_info(done.best_model).class_names == ["background", "red"]
    assert read_config(done.run_dir).val_split == "val"  # a normal run folder
    assert len(vm.session.catalog.entries) > before and vm.entry.path == Path(done.best_model).resolve()
    assert vm.class_names == ["background", "red"]  # the round's model is the shown one now
    assert len(lives) >= 1 and vm.live is None
    metrics = session.last_metrics
    assert metrics["images"] == 1 and len(metrics["iu"]) == 2 and 0.0 <= metrics["mean_iu"] <= 1.0
    held = done.note["held_out"]  # p2 is scribbled: its figure comes with what it covers, never bare
    assert f"held-out mean IU {held['mean_iu']:.2f} on {held['labelled_pixels']} labelled pixels" in box.result.text()
    assert "mark it fully painted for a trustworthy figure" in box.result.text() and "round-001" in box.result.text()
    assert "kept the last update (4)" in box.result.text() and "kept the last update (4)" in window.training.panel.plots.status.text()
    picker = window.actions.model_combo
    shown = [picker.itemText(k) for k in range(picker.count())]
    assert f"proj · round 1 · 4 updates · held-out mean IU {held['mean_iu']:.2f} (sparse: " in shown[-1]
    assert "updates: 4" in picker.itemData(picker.count() - 1, Qt.ItemDataRole.ToolTipRole)
    assert not any("init.safetensors" in str(e.path) for e in vm.session.catalog.entries)
    row = window.image_list.keys.index(vm.image.ident)  # the shown image, segmented by the round's model
    qtbot.waitUntil(lambda: window.image_list.item(row).text().endswith("predicted by round-001"), timeout=WAIT_MS)
    x, _ = window.training.panel.plots.loss_curves["8s"].getData()
    assert list(x) == [1, 2, 3, 4]
    assert box.start.isEnabled()
    catalog = vm.session.catalog
    catalog.entries = [e for e in catalog.entries if e.path != vm.entry.path]
    assert window.annotate.open_project(project.root) is not None  # reopening lists each round's model again
    assert Path(done.best_model).resolve() in [e.path for e in catalog.entries]
    assert vm.entry.path == Path(done.best_model).resolve()  # the latest round is shown again: the next round starts there


def test_a_live_answer_is_drawn_in_the_overlay_with_its_own_colours(qtbot, window, tmp_path):
    window.opener.open_paths([photo(tmp_path / "a.png")])
    wait_idle(qtbot, window, "a.png")
    vm, pane = window.view_model, window.image_view.pane
    labels = np.zeros((48, 64), np.uint8)
    labels[:, 32:] = 1
    live = LiveResult(vm.image.key, Prediction(labels), ("ground", "thing"), np.array([[0, 0, 0], [10, 200, 30]], np.uint8), 3)
    vm.show_live(live)
    np.testing.assert_array_equal(pane.overlay.image, labels)
    assert drawn_overlay(pane)[0, 40, :3].tolist() == [10, 200, 30]
    assert [window.legend.list.item(k).text().split()[0] for k in range(window.legend.list.count())] == ["ground", "thing"]
    vm.show_live(None)
    np.testing.assert_array_equal(pane.overlay.image, vm.prediction().labels)
