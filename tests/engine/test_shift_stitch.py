"""Shift-and-stitch (CVPR §3.2) against its filter-rarefaction equivalent and hand-computed cases."""

import pytest
import torch
from torch import nn
import torch.nn.functional as F

from fcn_studio import build_model
from fcn_studio.engine.fcn import FCN
from fcn_studio.engine.geometry import blob_geometry, layers_of
from fcn_studio.engine.shift_stitch import rarefy, shift_and_stitch, stitched_logits, stitched_scores


def randomise(module, seed=0):
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.3)
    return module.eval()


@pytest.mark.parametrize("factor, size", [(2, (6, 5)), (3, (7, 7)), (4, (9, 13))])
def test_interlacing_of_a_subsampler_is_the_shifted_input(factor, size):
    """Hand-computed: for net(t) = t[::f, ::f], shift k gives x[f·j − k] at dense cell f·j + f−1−k,
    so the stitched map is x moved f−1 down and right — every cell filled, none twice."""
    x = torch.arange(size[0] * size[1], dtype=torch.float32).reshape(1, 1, *size) + 1
    dense = shift_and_stitch(lambda t: t[:, :, ::factor, ::factor], x, factor)
    assert torch.equal(dense, F.pad(x, (factor - 1, 0, factor - 1, 0)))


def tiny_net(padded=False):
    """Two pools (output stride 4); with `padded`, a zero-padded conv after the first pool."""
    return randomise(nn.Sequential(
        nn.Conv2d(2, 3, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(3, 4, 3, padding=1 if padded else 0), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(4, 4, 2), nn.ReLU(), nn.Conv2d(4, 3, 1),
    ).double())


@pytest.mark.parametrize("size", [(17, 17), (20, 23), (31, 26)])
def test_shift_and_stitch_equals_the_rarefied_net_exactly(size):
    """§3.2: pools at stride 1, later filters dilated by 2 then 4 — one pass on the input padded by
    f−1 at the top-left gives the f² = 16 stitched passes, every cell, same size."""
    net = tiny_net()
    x = torch.randn(1, 2, *size, dtype=torch.float64)
    with torch.no_grad():
        dense = shift_and_stitch(net, x, 4)
        rarefied = rarefy(net)(F.pad(x, (3, 0, 3, 0)))
    assert dense.shape == rarefied.shape
    torch.testing.assert_close(dense, rarefied, rtol=1e-5, atol=1e-5)
    dilations = [m.dilation[0] if isinstance(m.dilation, tuple) else m.dilation
                 for m in rarefy(net) if isinstance(m, (nn.Conv2d, nn.MaxPool2d))]
    assert dilations == [1, 1, 2, 2, 4, 4] and all(m.stride in (1, (1, 1)) for m in rarefy(net) if hasattr(m, "stride"))


def test_zero_padding_after_a_pool_makes_them_differ_at_the_borders_only():
    """A padded conv sees real neighbours in a shifted pass where the rarefied net sees its padding."""
    net = tiny_net(padded=True)
    x = torch.randn(1, 2, 40, 40, dtype=torch.float64)
    with torch.no_grad():
        dense = shift_and_stitch(net, x, 4)
        rarefied = rarefy(net)(F.pad(x, (3, 0, 3, 0)))
    h, w = min(dense.shape[2], rarefied.shape[2]), min(dense.shape[3], rarefied.shape[3])
    diff = (dense[..., :h, :w] - rarefied[..., :h, :w]).abs().amax((0, 1))
    assert diff[8:-8, 8:-8].max() < 1e-9 and diff.max() > 1e-3


def alexnet_layers(model):
    """FCN-AlexNet as one Sequential, conv1 … score_fr (pool5 at index 12)."""
    relu = nn.ReLU
    return nn.Sequential(model.conv1, relu(), model.pool1, model.conv2, relu(), model.pool2, model.conv3, relu(),
                         model.conv4, relu(), model.conv5, relu(), model.pool5, model.fc6, relu(), model.fc7, relu(),
                         model.score_fr)


def test_alexnet_tail_from_pool5_stitches_exactly():
    """Shifting only the last pooling layer (s = 2): pool5 → fc6 (6×6) → fc7 → score_fr has no
    padding, so the two forms agree on every cell of a random conv5 map that both have. pool5 uses
    Caffe's ceil mode: a shifted pass may end in a partial window, one extra row/column of cells
    that a stride-1 pool never makes."""
    model = randomise(build_model("alexnet-fcn32s", num_classes=3, width=0.0625)).double()
    tail = alexnet_layers(model)[12:]
    conv5 = torch.randn(1, 16, 21, 18, dtype=torch.float64)
    with torch.no_grad():
        dense = shift_and_stitch(tail, conv5, 2)
        rarefied = rarefy(tail)(F.pad(conv5, (1, 0, 1, 0)))
    # rarefied: 1 + 21 padded rows, − (3 − 1) for pool5, − 2·(6 − 1) for fc6 dilated by 2 = 10; columns 7
    assert rarefied.shape == (1, 3, 10, 7) and dense.shape == (1, 3, 11, 8)
    torch.testing.assert_close(dense[..., :10, :7], rarefied, rtol=1e-5, atol=1e-5)


def test_stitched_alexnet_scores_match_the_rarefied_net_and_its_geometry():
    """Image level, factor 2 (shifts of 16 px, 4 passes): equal to AlexNet with pool5 at stride 1 and
    fc6 dilated, away from the borders; the stitched geometry is the rarefied net's coord_map
    moved by the 16 px top-left padding."""
    model = randomise(build_model("alexnet-fcn32s", num_classes=2, width=0.0625)).double()
    x = torch.randn(1, 3, 480, 470, dtype=torch.float64)
    rarefied_net = rarefy(alexnet_layers(model), start=12)
    with torch.no_grad():
        stitched = stitched_scores(model, x, 2)
        rarefied = rarefied_net(F.pad(x, (16, 0, 16, 0)))
    stride, b = blob_geometry(layers_of(rarefied_net))
    assert (stitched.stride, stitched.offset, stitched.passes) == (stride, b + 1, 4) == (16, 0.1875, 4)
    h, w = rarefied.shape[2:]  # the stitched map has a row and column more: partial pool5 windows
    assert stitched.scores.shape[2:] == (h + 1, w + 1)
    torch.testing.assert_close(stitched.scores[..., 12 : h - 12, 12 : w - 12], rarefied[..., 12:-12, 12:-12],
                               rtol=1e-9, atol=1e-9)


class TinyFCN(FCN):
    """A stride-4 trunk under the shared FCN-32s head, so fully dense stitching costs 16 passes."""

    arch = "tiny-fcn4s"
    stride = 4
    last_blob = "pool2"

    def _build_trunk(self, width):
        self.conv1, self.pool1 = nn.Conv2d(3, 4, 3, padding=1), nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2, self.pool2 = nn.Conv2d(4, 5, 3, padding=1), nn.MaxPool2d(3, 2, ceil_mode=True)
        return {"pool2": 5}

    def trunk_names(self):
        return ["conv1", "pool1", "conv2", "pool2"]

    def features(self, x, keep=()):
        return {"pool2": self.pool2(F.relu(self.conv2(self.pool1(F.relu(self.conv1(x))))))}


def test_stitched_logits_put_each_prediction_on_its_receptive_field_centre():
    """Pixel p gets the coarse cell whose receptive-field centre 4·(j − b) − k is p (b = −0.75 here),
    taken from its own shifted pass; input-sized, no interpolation."""
    model = randomise(TinyFCN(num_classes=3))
    stride, b = model.blob_geometry["score_fr"]
    assert (stride, b) == (4, -0.75)
    x = torch.randn(1, 3, 11, 14)
    with torch.no_grad():
        logits = stitched_logits(model, x)
        assert logits.shape == (1, 3, 11, 14)
        for py, px in [(0, 0), (1, 5), (6, 13), (10, 2), (10, 13)]:
            ky, kx = (int(-stride * b) - py) % 4, (int(-stride * b) - px) % 4
            jy, jx = (py + ky + int(stride * b)) // 4, (px + kx + int(stride * b)) // 4
            coarse = model.score_fr(model.features(F.pad(x, (kx, 0, ky, 0)))["pool2"])
            torch.testing.assert_close(logits[0, :, py, px], coarse[0, :, jy, jx])


def test_bad_arguments_are_refused():
    model = build_model("alexnet-fcn32s", width=0.0625)
    with pytest.raises(ValueError, match="divide"):
        stitched_scores(model, torch.zeros(1, 3, 8, 8), 3)
    with pytest.raises(ValueError, match="positive"):
        shift_and_stitch(model, torch.zeros(1, 3, 8, 8), 0)
    with pytest.raises(ValueError, match="AvgPool2d"):
        rarefy(nn.Sequential(nn.AvgPool2d(2)))


def test_vgg16_scores_stitch_around_the_unshifted_pass():
    """FCN-32s (VGG16) through the same door: shift (0, 0) fills the cells f−1 mod f, and the
    geometry is score_fr's (32, −0.390625) made twice as dense: stride 16, offset 1 + 2·b."""
    model = randomise(build_model("fcn32s", num_classes=2, width=0.0625))
    x = torch.randn(1, 3, 40, 36)
    with torch.no_grad():
        stitched = stitched_scores(model, x, 2)
        unshifted = model.intermediates(x)["score_fr"]
    assert (stitched.stride, stitched.offset, stitched.passes) == (16, 1 - 2 * 0.390625, 4)
    same = stitched.scores[:, :, 1::2, 1::2]
    torch.testing.assert_close(same, unshifted[:, :, : same.shape[2], : same.shape[3]])
