import numpy as np
import pytest
import torch

from fcn_studio import Segmenter
from fcn_studio.engine.tiling import MARGIN, predict_tiled, spans

from .test_fcn import randomised

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def test_spans_cover_the_axis_with_aligned_starts():
    s = spans(1000, 320, 256)
    assert [(o0, o1) for _, _, o0, o1 in s] == [(0, 320), (320, 640), (640, 960), (960, 1000)]
    assert all(i0 % 32 == 0 and i0 <= o0 and i1 >= o1 for i0, i1, o0, o1 in s)
    assert s[1][:2] == (64, 896)
    with pytest.raises(ValueError):
        spans(100, 50, 256)


@pytest.mark.parametrize("name", ["fcn32s", "fcn8s"])
def test_tiled_labels_equal_untiled_and_a_short_margin_does_not(name):
    model = randomised(name)
    x = torch.randn(1, 3, 620, 590)
    with torch.inference_mode():
        full = model(x)[0]
        labels, probs = predict_tiled(model, x, core=96, margin=MARGIN, scores=True)
        short, _ = predict_tiled(model, x, core=96, margin=96)
    assert torch.equal(labels.long(), full.argmax(0))
    # float16 storage (~5e-4) plus a different convolution blocking per tile: a handful of the
    # ~2M values may round further apart on these random, very large logits.
    diff = (probs.float() - full.softmax(0)).abs()
    assert diff.mean() < 1e-4 and (diff > 2e-3).float().mean() < 1e-5
    assert not torch.equal(short.long(), full.argmax(0))


def test_segmenter_tiles_large_images_with_the_same_labels():
    model = randomised("fcn16s")
    seg = Segmenter(model, device="cpu", precision="fp32")
    rgb = np.random.default_rng(0).integers(0, 256, (400, 380, 3), dtype=np.uint8)
    whole = seg.predict(rgb, scores=True)
    seg.max_pixels = 100 * 100
    tiled = seg.predict(rgb, scores=True)
    assert tiled.tiled and not whole.tiled
    assert np.array_equal(tiled.labels, whole.labels)
    assert tiled.scores.dtype == np.float16 and tiled.scores.shape == whole.scores.shape
