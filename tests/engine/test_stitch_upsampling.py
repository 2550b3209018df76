"""Shift-and-stitch as an inference mode: partly dense stitching + bilinear rest, and the Segmenter."""

import numpy as np
import pytest
import torch

from fcn_studio import Segmenter
from fcn_studio.engine.model_info import to_input
from fcn_studio.engine.shift_stitch import stitched_logits, stitched_scores
from tests.compact_models import compact_model

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

NETS_32S = ["fcn32s", "alexnet-fcn32s", "googlenet-fcn32s"]


@pytest.mark.parametrize("name", NETS_32S)
def test_factor_one_is_the_32s_net_and_every_factor_gives_input_sized_logits(name):
    """Stitching by 1 is one plain pass: the coord_map's kernel (k64 VGG16, k63 the others) and crop
    then rebuild the net's own fixed upsampling exactly."""
    model = compact_model(name).eval()
    x = torch.randn(1, 3, 51, 38)
    with torch.no_grad():
        torch.testing.assert_close(stitched_logits(model, x, 1), model(x))
        for factor in (2, 4, 8):
            assert stitched_logits(model, x, factor).shape == (1, 4, 51, 38)


def test_partly_dense_logits_keep_the_stitched_scores_at_their_pixels():
    """AlexNet ×2: stride 16, offset 0.1875, so dense cell q lies on pixel 16·q − 3; the odd k31
    interpolation passes through its knots, and the stitched values survive there unchanged."""
    model = compact_model("alexnet-fcn32s").eval()
    x = torch.randn(1, 3, 90, 75)
    with torch.no_grad():
        dense = stitched_scores(model, x, 2)
        logits = stitched_logits(model, x, 2)
    assert (dense.stride, dense.offset) == (16, 0.1875)
    rows, cols = [1, 2, 3, 4, 5], [1, 2, 3, 4]
    knots = logits[:, :, [16 * q - 3 for q in rows]][:, :, :, [16 * q - 3 for q in cols]]
    torch.testing.assert_close(knots, dense.scores[:, :, rows][:, :, :, cols])


def test_segmenter_shift_stitch_mode_predicts_from_the_stitched_logits():
    model = compact_model("alexnet-fcn32s")
    seg = Segmenter(model, device="cpu", precision="fp32", upsampling="shift-stitch", stitch_factor=4)
    rgb = np.random.default_rng(2).integers(0, 256, (45, 52, 3), dtype=np.uint8)
    pred = seg.predict(rgb, scores=True, intermediates=True)
    x = to_input(rgb, model.info.input)
    with torch.no_grad():
        expected = stitched_logits(model.eval(), x, 4)
        plain = model(x)
    assert np.array_equal(pred.labels, expected.argmax(1)[0].numpy())
    assert not np.array_equal(pred.labels, plain.argmax(1)[0].numpy())  # it is not the learned head
    torch.testing.assert_close(seg.logits(x), expected)
    assert list(pred.intermediates) == ["score_fr", "score_fr_stitched", "logits"]
    assert pred.geometry == {"score_fr": (32, -0.40625), "score_fr_stitched": (8, 3 - 4 * 0.40625), "logits": (1, 0.0)}
    with torch.no_grad():
        coarse = model.intermediates(x)["score_fr"][0].numpy()
    stitched = pred.intermediates["score_fr"]
    np.testing.assert_allclose(stitched, coarse[:, : stitched.shape[1], : stitched.shape[2]], rtol=1e-5, atol=1e-5)


def test_segmenter_learned_mode_reports_the_model_geometry():
    model = compact_model("googlenet-fcn8s")
    pred = Segmenter(model, device="cpu").predict(np.zeros((40, 40, 3), np.uint8), intermediates=True)
    assert list(pred.geometry) == list(pred.intermediates) and pred.geometry["fuse_inception3b"] == (8, -0.75)


def test_segmenter_refuses_what_cannot_be_stitched():
    with pytest.raises(ValueError, match="fuses skips"):
        Segmenter(compact_model("fcn16s"), device="cpu", upsampling="shift-stitch")
    with pytest.raises(ValueError, match="divide the stride"):
        Segmenter(compact_model("fcn32s"), device="cpu", upsampling="shift-stitch", stitch_factor=3)
    with pytest.raises(ValueError, match="upsampling must be"):
        Segmenter(compact_model("fcn32s"), device="cpu", upsampling="nearest")
    assert Segmenter(compact_model("fcn32s"), device="cpu", upsampling="shift-stitch").stitch_factor == 32
