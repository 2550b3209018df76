"""The real window, driven as a user would: drop, switch heads, compare, look inside, export."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QImage

from fcn_studio.app import analysis
from fcn_studio.app import overlay
from fcn_studio.app.jobs import Lane
from fcn_studio.app.session import Session
from fcn_studio.gui.image_view import NO_MODEL_HINT
from tests.compact_models import PALETTE, write_image
from tests.engine.reference_fcn import BLOB_GEOMETRY
from tests.gui.conftest import drop, make_window, wait_idle
from tests.gui.drawn import drawn_marks, drawn_overlay

PAL = np.array(PALETTE, dtype=np.uint8)


def rgb_of(path):
    return np.array(Image.open(path).convert("RGB"))


def test_dropped_image_is_overlaid_with_the_segmenter_labels(qtbot, window, reference, tmp_path):
    path = write_image(tmp_path / "a.png")
    drop(window, [path])
    wait_idle(qtbot, window, "a.png")
    expected = reference["8s"].predict(rgb_of(path)).labels
    assert len(np.unique(expected)) > 1  # a meaningful comparison, not all background
    np.testing.assert_array_equal(window.view_model.prediction().labels, expected)
    np.testing.assert_array_equal(window.image_view.pane.image.image, rgb_of(path))
    # the background class (0) is transparent by default, as Cellpose and napari draw labels
    np.testing.assert_array_equal(drawn_overlay(window.image_view.pane), overlay.overlay_rgba(expected, PAL, 0.5, {0}))
    assert window.image_list.count() == 1 and window.windowTitle().endswith("a.png")
    assert "8s" in window.status.timing.text() and "ms" in window.status.timing.text()


def test_head_switch_is_served_from_the_cache(qtbot, window, reference, tmp_path):
    path = write_image(tmp_path / "a.png")
    drop(window, [path])
    wait_idle(qtbot, window, "a.png")
    assert window.session.forward_passes == 3  # the shown head, then the family's other two
    for head in ("32s", "16s", "8s", "32s"):
        window.actions.heads[head].trigger()
        assert window.view_model.head == head and window.actions.heads[head].isChecked()
        expected = reference[head].predict(rgb_of(path)).labels
        np.testing.assert_array_equal(drawn_overlay(window.image_view.pane), overlay.overlay_rgba(expected, PAL, 0.5, {0}))
        assert "(cached)" in window.status.timing.text()
    assert window.session.forward_passes == 3 and not window.busy()
    assert window.actions.model_combo.currentText().startswith("FCN-32s")


def test_compare_grid_shows_each_head_truth_skip_changes_and_metrics(qtbot, window, reference, tmp_path):
    path = write_image(tmp_path / "a.png", mask=True)
    drop(window, [path])
    wait_idle(qtbot, window, "a.png")
    window.actions.compare.trigger()
    window.actions.changes.trigger()
    grid = window.compare_view
    assert window.stack.currentWidget() is grid and grid.columns == ["32s", "16s", "8s", "truth"]
    labels = {h: reference[h].predict(rgb_of(path)).labels for h in ("32s", "16s", "8s")}
    for head, expected in labels.items():
        np.testing.assert_array_equal(drawn_overlay(grid.panes[head]), overlay.overlay_rgba(expected, PAL, 0.5, {0}))
    truth = np.array(Image.open(tmp_path / "a_mask.png"))
    np.testing.assert_array_equal(drawn_overlay(grid.panes["truth"])[..., :3], PAL[truth])
    assert drawn_marks(grid.panes["32s"]) is None
    for coarse, fine in (("32s", "16s"), ("16s", "8s")):
        marked = drawn_marks(grid.panes[fine])[..., 3] > 0
        np.testing.assert_array_equal(marked, labels[coarse] != labels[fine])
        assert f"{marked.sum()} px changed vs {coarse}" in grid.titles[fine].text
    miu = analysis.image_metrics(labels["8s"], truth, 4)["mean_iu"]
    assert f"mIU {miu:.3f}" in grid.titles["8s"].text and f"FCN-8s vs the truth: mean IU {miu:.3f}" in window.status.metrics.text()
    # panes pan and zoom together
    grid.panes["32s"].view.setRange(xRange=(10, 20), yRange=(10, 20), padding=0)
    x16 = grid.panes["8s"].view.viewRange()[0]
    assert x16 == pytest.approx(grid.panes["32s"].view.viewRange()[0])


def test_internals_panel_shows_every_map_of_the_forward_pass_in_place(qtbot, window, tmp_path):
    drop(window, [write_image(tmp_path / "a.png", size=96)])
    wait_idle(qtbot, window, "a.png")
    window.internals.classes.setCurrentIndex(2)
    maps = window.view_model.prediction().intermediates
    panes = window.internals.panes
    assert list(panes) == ["score_fr", "upscore2", "score_pool4", "fuse_pool4", "upscore_pool4", "score_pool3",
                           "fuse_pool3", "logits"]
    assert panes["score_fr"].map.image.shape == maps["score_fr"].shape[1:] == (4, 4)
    for name, pane in panes.items():
        np.testing.assert_array_equal(pane.map.image, maps[name][2])
        stride, offset = BLOB_GEOMETRY[name]
        rect = pane.map.mapRectToParent(pane.map.boundingRect())
        assert rect.left() == pytest.approx(0.5 - stride * offset - stride / 2)
        assert rect.width() == pytest.approx(stride * maps[name].shape[2])
        assert f"stride {stride}" in pane.title.text
    assert panes["logits"].map.image.shape == (96, 96)


def test_worker_exception_shows_a_dialog_naming_the_file_and_the_window_survives(qtbot, window, tmp_path, monkeypatch):
    def boom(self, image, entry, device, precision="auto", stitch=0):
        raise RuntimeError("out of memory (simulated)")

    real = Session.segment
    monkeypatch.setattr(Session, "segment", boom)
    drop(window, [write_image(tmp_path / "bad.png")])
    qtbot.waitUntil(lambda: window.errors.isVisible(), timeout=30000)
    assert "bad.png" in window.errors.text() and "out of memory (simulated)" in window.errors.text()
    monkeypatch.setattr(Session, "segment", real)
    drop(window, [write_image(tmp_path / "good.png", seed=2)])
    wait_idle(qtbot, window, "good.png")
    assert window.view_model.prediction() is not None and window.isVisible()


def test_unreadable_dropped_file_is_reported_by_name(qtbot, window, tmp_path):
    (tmp_path / "broken.png").write_bytes(b"definitely not a png")
    drop(window, [tmp_path / "broken.png"])
    qtbot.waitUntil(lambda: window.errors.isVisible(), timeout=30000)
    assert "broken.png" in window.errors.text() and window.view_model.image is None


def test_fifty_quick_drops_end_with_the_last_image_shown(qtbot, window, reference, tmp_path):
    paths = [write_image(tmp_path / f"img{i:02d}.png", size=48, seed=i) for i in range(50)]
    for p in paths:
        drop(window, [p])
        qtbot.wait(1)
    wait_idle(qtbot, window, "img49.png")
    np.testing.assert_array_equal(window.view_model.prediction().labels, reference["8s"].predict(rgb_of(paths[-1])).labels)
    assert window.image_list.count() == 50 and window.image_list.currentRow() == 49
    assert window.session.forward_passes < 150  # superseded requests were cancelled, not all computed


def test_pasted_pixels_are_segmented(qtbot, window, reference, tmp_path):
    rgb = rgb_of(write_image(tmp_path / "p.png"))
    mime = QMimeData()
    qimage = QImage(rgb.data, 64, 64, 64 * 3, QImage.Format.Format_RGB888).copy()
    mime.setImageData(qimage)
    assert window.opener.handle_mime(mime)
    wait_idle(qtbot, window, "pasted 1")
    np.testing.assert_array_equal(window.view_model.image.rgb, rgb)
    np.testing.assert_array_equal(window.view_model.prediction().labels, reference["8s"].predict(rgb).labels)


def test_legend_toggle_hover_and_exports(qtbot, window, reference, tmp_path):
    path = write_image(tmp_path / "a.png")
    drop(window, [path])
    wait_idle(qtbot, window, "a.png")
    labels = window.view_model.prediction().labels
    shown = int(labels[5, 7])
    window.legend.background.setChecked(True)  # every class coloured, the background too
    window.legend.set_hidden(shown, True)
    alpha = drawn_overlay(window.image_view.pane)[..., 3]
    assert (alpha[labels == shown] == 0).all() and (alpha[labels != shown] == 128).all()
    window.status.hover_at(7, 5)
    score = window.view_model.prediction().scores[shown, 5, 7]
    assert f"pixel (7, 5): {window.view_model.entry.info.class_names[shown]} {score:.2f}" in window.status.hover.text()
    window.legend.opacity.setValue(100)
    out = window.exporter.export_labels(tmp_path / "labels.png")
    np.testing.assert_array_equal(np.array(Image.open(out)), labels)
    over = np.array(Image.open(window.exporter.export_overlay(tmp_path / "over.png")))
    keep = labels != shown
    np.testing.assert_array_equal(over[keep], PAL[labels[keep]])
    np.testing.assert_array_equal(over[~keep], rgb_of(path)[~keep])


def test_batch_segments_a_folder_into_files(qtbot, window, reference, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(3):
        write_image(src / f"s{i}.png", size=40, seed=i)
    window.exporter.run_batch([src], tmp_path / "out")
    assert window.jobs_dock.isVisible()
    qtbot.waitUntil(lambda: not window.runner.busy(Lane.BATCH), timeout=60000)
    for i in range(3):
        got = np.array(Image.open(tmp_path / "out" / f"s{i}.png"))
        np.testing.assert_array_equal(got, reference["8s"].predict(rgb_of(src / f"s{i}.png")).labels)
        assert (tmp_path / "out" / f"s{i}_overlay.png").is_file()
    assert window.jobs_panel.bar.value() == 3
    assert window.jobs_panel.label.text() == f"3 of 3 images segmented → {tmp_path / 'out'}"


def test_without_any_model_the_window_opens_with_a_hint(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path / "no-models", tmp_path / "s.ini")
    drop(window, [write_image(tmp_path / "a.png")])
    wait_idle(qtbot, window, "a.png")
    assert window.image_view.hint.text() == NO_MODEL_HINT and window.image_view.hint.isVisible()
    assert drawn_overlay(window.image_view.pane) is None and window.session.forward_passes == 0
    assert not window.actions.model_combo.isEnabled() and "No model" in window.model_card.toPlainText()
    window.actions.compare.trigger()
    assert window.compare_view.columns == ["image"]
    window.close()


def test_settings_are_remembered(qtbot, family, tmp_path):
    window = make_window(qtbot, family["8s"].parent, tmp_path / "s.ini")
    path = write_image(tmp_path / "a.png")
    drop(window, [path])
    wait_idle(qtbot, window, "a.png")
    window.actions.heads["16s"].trigger()
    window.legend.opacity.setValue(70)
    window.close()
    again = make_window(qtbot, family["8s"].parent, tmp_path / "s.ini")
    assert again.view_model.head == "16s" and again.view_model.opacity == pytest.approx(0.7) and again.legend.opacity.value() == 70
    assert again.opener.recent() == [str(path)] and again.actions.recent_menu.actions()[0].text() == str(path)
    again.close()
