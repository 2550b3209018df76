"""FCN-AlexNet and FCN-GoogLeNet model files in the window, and shift-and-stitch for the 32s head."""

import numpy as np
import pytest
import torch
from PIL import Image

from fcn_studio.engine import Segmenter, load_model, save_model
from fcn_studio.engine.model_info import to_input
from fcn_studio.engine.shift_stitch import stitched_logits
from tests.compact_models import compact_model, write_image
from tests.gui.conftest import WAIT_MS, drop, make_window, wait_idle

ALEXNET_MAPS = ["score_fr", "upscore2", "score_pool2", "fuse_pool2", "upscore_pool2", "score_pool1", "fuse_pool1", "logits"]
GOOGLENET_MAPS = ["score_fr", "upscore2", "score_inception4e", "fuse_inception4e", "upscore_inception4e",
                  "score_inception3b", "fuse_inception3b", "logits"]


@pytest.fixture(scope="module")
def alexnet_family(tmp_path_factory):
    folder = tmp_path_factory.mktemp("alexnet")
    return {head: save_model(compact_model(f"alexnet-fcn{head}", family="alex"), folder / f"alexnet-fcn{head}.safetensors")
            for head in ("32s", "16s", "8s")}


@pytest.fixture
def alex_window(qtbot, alexnet_family, tmp_path):
    w = make_window(qtbot, alexnet_family["8s"].parent, tmp_path / "settings.ini")
    yield w
    w.close()


def assert_maps_in_place(window, model, rgb, names, class_index=2):
    """Every pane holds the model's own map for the class, laid where its geometry says."""
    with torch.no_grad():
        maps = model.eval().intermediates(to_input(rgb, model.info.input))
    panes = window.internals.panes
    assert list(panes) == names
    for name, pane in panes.items():
        expected = maps[name][0, class_index].numpy()
        assert pane.map.image.shape == expected.shape, name
        np.testing.assert_allclose(pane.map.image, expected, rtol=1e-4, atol=1e-5)
        stride, offset = model.blob_geometry[name]
        rect = pane.map.mapRectToParent(pane.map.boundingRect())
        assert rect.left() == pytest.approx(0.5 - stride * offset - stride / 2)
        assert rect.width() == pytest.approx(stride * expected.shape[1])
        assert f"stride {stride}" in pane.title.text


def test_alexnet_family_opens_switches_heads_and_shows_its_internals(qtbot, alex_window, alexnet_family, tmp_path):
    path = write_image(tmp_path / "a.png", size=96)
    drop(alex_window, [path])
    wait_idle(qtbot, alex_window, "a.png")
    assert alex_window.view_model.head == "8s" and alex_window.actions.model_combo.currentText().startswith("FCN-AlexNet-8s (alex)")
    assert list(alex_window.view_model.family) == ["32s", "16s", "8s"] and "FCN-AlexNet-8s" in alex_window.model_card.toPlainText()
    alex_window.internals.classes.setCurrentIndex(2)
    rgb = np.array(Image.open(path).convert("RGB"))
    assert_maps_in_place(alex_window, load_model(alexnet_family["8s"]), rgb, ALEXNET_MAPS)
    # 96 px: score_fr 4×4 → upscore2 (k3) 9×9 → upscore_pool2 19×19, fewer than pool1's 36 − 10 cells
    assert [alex_window.internals.panes[n].map.image.shape[0] for n in ("score_fr", "fuse_pool2", "score_pool1")] == [4, 9, 19]
    alex_window.actions.heads["16s"].trigger()
    assert list(alex_window.internals.panes) == ["score_fr", "upscore2", "score_pool2", "fuse_pool2", "logits"]
    alex_window.grab().save(str(tmp_path / "alexnet.png"))


def test_googlenet_model_file_opens_and_shows_its_internals(qtbot, window, tmp_path):
    model_path = save_model(compact_model("googlenet-fcn8s", family="goog"), tmp_path / "goog" / "googlenet-fcn8s.safetensors")
    path = write_image(tmp_path / "b.png", size=80)
    drop(window, [path])
    wait_idle(qtbot, window, "b.png")
    window.opener.open_model(model_path)
    qtbot.waitUntil(lambda: window.view_model.entry is not None and window.view_model.entry.path == model_path.resolve()
                    and not window.busy() and window.view_model.prediction() is not None, timeout=WAIT_MS)
    assert window.actions.model_combo.currentText().startswith("FCN-GoogLeNet-8s (goog)") and list(window.view_model.family) == ["8s"]
    window.internals.classes.setCurrentIndex(1)
    rgb = np.array(Image.open(path).convert("RGB"))
    assert_maps_in_place(window, load_model(model_path), rgb, GOOGLENET_MAPS, class_index=1)
    window.resize(1280, 760)
    qtbot.wait(50)
    window.grab().save("/tmp/fcn-googlenet-internals.png")


def test_shift_and_stitch_for_the_32s_head_is_computed_and_cached_beside_learned(qtbot, alex_window, alexnet_family, tmp_path):
    path = write_image(tmp_path / "c.png", size=64)
    drop(alex_window, [path])
    wait_idle(qtbot, alex_window, "c.png")
    alex_window.actions.heads["32s"].trigger()
    learned = alex_window.view_model.prediction().labels.copy()
    passes = alex_window.session.forward_passes
    alex_window.actions.stitch[4].trigger()
    assert alex_window.view_model.stitch == 4 and alex_window.actions.stitch[4].isChecked()
    qtbot.waitUntil(lambda: not alex_window.busy() and alex_window.view_model.prediction() is not None, timeout=WAIT_MS)
    rgb = np.array(Image.open(path).convert("RGB"))
    model = load_model(alexnet_family["32s"])
    with torch.no_grad():
        expected = stitched_logits(model, to_input(rgb, model.info.input), 4).argmax(1)[0].numpy()
    stitched = alex_window.view_model.prediction()
    np.testing.assert_array_equal(stitched.labels, expected)
    assert not np.array_equal(stitched.labels, learned)
    assert alex_window.session.forward_passes == passes + 1  # only the 32s head was recomputed
    assert "32s stitched ×4" in alex_window.status.timing.text()
    assert list(alex_window.internals.panes) == ["score_fr", "score_fr_stitched", "logits"]
    assert alex_window.internals.panes["score_fr_stitched"].title.text.count("stride 8")
    alex_window.actions.heads["8s"].trigger()  # skip heads keep their learned upsampling
    np.testing.assert_array_equal(alex_window.view_model.prediction().labels,
                                  Segmenter(load_model(alexnet_family["8s"]), device="cpu", precision="fp32").predict(rgb).labels)
    alex_window.actions.heads["32s"].trigger()
    alex_window.actions.stitch[0].trigger()  # back to learned: from the cache, no new pass
    np.testing.assert_array_equal(alex_window.view_model.prediction().labels, learned)
    assert alex_window.session.forward_passes == passes + 1 and "(cached)" in alex_window.status.timing.text()
