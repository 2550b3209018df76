"""FCN-16s and FCN-8s on AlexNet and GoogLeNet: skip geometry, alignment, init, surgery, frozen BN."""

from fractions import Fraction

import pytest
import torch

from fcn_studio import build_model, load_model, save_model
from fcn_studio.engine import next_stage
from fcn_studio.engine.fcn import align
from fcn_studio.engine.geometry import Layer, coord_map, upsampling_kernel
from fcn_studio.engine.googlenet import MIN_INPUT
from tests.engine.test_backbones import linearised, randomised, vgg16_layers

SKIP_NETS = ["alexnet-fcn16s", "alexnet-fcn8s", "googlenet-fcn16s", "googlenet-fcn8s"]


def test_kernel_rule_rederives_the_reference_kernels():
    """2f or 2f − 1, whichever aligns: VGG16's k64 (32s), k4 then k32 (16s); AlexNet's k63."""
    fc7 = coord_map(vgg16_layers(5) + [Layer("conv", 7), Layer("conv", 1)])
    assert upsampling_kernel(fc7, 32) == 64
    upscore2 = coord_map([Layer("deconv", 4, 2)], start=fc7)
    assert upsampling_kernel(fc7, 2, coord_map(vgg16_layers(4))) == 4 and upsampling_kernel(upscore2, 16) == 32
    assert build_model("alexnet-fcn32s", width=0.0625).upscore.kernel_size == (63, 63)
    with pytest.raises(ValueError, match="no bilinear kernel"):
        upsampling_kernel((Fraction(1, 32), Fraction(1, 3)), 32)
    with pytest.raises(ValueError, match="scale"):
        upsampling_kernel(fc7, 16)


def test_skip_kernels_shifts_and_crops():
    """AlexNet's cells sit on whole pixels: odd 2× kernels (k3), skips cut by 5 (pool2) and 10
    (pool1), final crop 18 at every stride, as REF's 32s. GoogLeNet's sit on half pixels: k4, and
    the upsampled map starts one cell before inception4e (shift −1), level with inception3b."""
    alex8, goog8 = build_model("alexnet-fcn8s", width=0.0625), build_model("googlenet-fcn8s", width=0.0625)
    assert alex8.skip_shifts == {"pool2": 5, "pool1": 10} and alex8.crop_offset == 18
    assert [alex8.upscore2.kernel_size[0], alex8.upscore_pool2.kernel_size[0], alex8.upscore8.kernel_size[0]] == [3, 3, 15]
    assert build_model("alexnet-fcn16s", width=0.0625).crop_offset == 18
    assert goog8.skip_shifts == {"inception4e": -1, "inception3b": 0} and goog8.crop_offset == 1
    assert [goog8.upscore2.kernel_size[0], goog8.upscore_inception4e.kernel_size[0], goog8.upscore8.kernel_size[0]] == [4, 3, 15]
    assert goog8.blob_geometry["fuse_inception4e"] == (16, -0.875) and goog8.blob_geometry["fuse_inception3b"] == (8, -0.75)


@pytest.mark.slow
@pytest.mark.parametrize("name", SKIP_NETS)
def test_logits_have_the_input_size_for_every_size(name):
    sizes = [(h, h + 5) for h in range(MIN_INPUT, 90, 2)] + [(224, 224), (333, 500), (500, 500), (1000, 999)]
    if name.startswith("alexnet"):
        sizes += [(1, 1), (2, 9), (14, 3)]
    with torch.device("meta"):
        model = build_model(name).eval()
        for h, w in sizes:
            assert model(torch.empty(1, 3, h, w)).shape == (1, 21, h, w), (h, w)


@pytest.mark.parametrize("name", SKIP_NETS)
def test_intermediates_name_every_fusion_step_with_its_geometry(name):
    model = randomised(name)
    x = torch.randn(1, 3, 70, 61)
    with torch.no_grad():
        maps = model.intermediates(x)
        torch.testing.assert_close(maps["logits"], model(x))
    skips = model.skips
    expected = ["score_fr"]
    for i, skip in enumerate(skips):
        expected += [model.upsampling_name(i), f"score_{skip}", f"fuse_{skip}"]
    assert list(maps) == expected + [model.final_upsampling, "logits"] and set(model.blob_geometry) == set(maps)
    for i, skip in enumerate(skips):
        assert maps[f"fuse_{skip}"].shape == maps[f"score_{skip}"].shape
        assert model.blob_geometry[f"score_{skip}"][0] == model.stride * 2 ** (len(skips) - 1 - i)


def centre_of_gradient(model, x, name, cell):
    """Centre row of the input pixels that cell (cell, cell) of map `name` depends on."""
    x = x.detach().clone().requires_grad_(True)
    model.intermediates(x)[name][0, 0, cell, cell].backward()
    rows = x.grad[0].abs().sum((0, 2)).nonzero().flatten()
    return (rows.min().item() + rows.max().item()) / 2


def centroid(values, stride, offset):
    """Weighted centre, in input pixels, of a 1-D profile of cells at stride·(q − offset)."""
    pixels = stride * (torch.arange(len(values), dtype=torch.float64) - offset)
    return (values * pixels).sum().item() / values.sum().item()


@pytest.mark.slow
@pytest.mark.parametrize("name, size", [("alexnet-fcn8s", 420), ("googlenet-fcn8s", 420)])
def test_every_fusion_adds_maps_about_the_same_pixels(name, size):
    """Empirical, not from the coord_map code: in a linearised net (tests.engine.test_backbones),
    (1) each map's cells are centred, by their input gradients, where blob_geometry says;
    (2) a score_fr (or coarser fuse) cell upsampled and aligned lands, weight-centred, on its own
    pixel among the skip's cells; (3) the final upsampling and crop put a fused cell on its pixel."""
    model = linearised(build_model(name, num_classes=1, width=0.0625))
    x = torch.ones(1, 3, size, size, dtype=torch.float64)
    for blob in ["score_fr"] + [f"score_{s}" for s in model.skips]:
        stride, offset = model.blob_geometry[blob]
        cell = 6 if blob == "score_fr" else 14  # receptive fields inside the image
        assert centre_of_gradient(model, x, blob, cell) == stride * (cell - offset), blob
    coarse = "score_fr"
    with torch.no_grad():
        maps = model.intermediates(x)
        for i, skip in enumerate(model.skips):
            stride, offset = model.blob_geometry[coarse]
            delta = torch.zeros_like(maps[coarse])
            delta[0, 0, 4, 4] = 1.0
            up, _ = align(getattr(model, model.upsampling_name(i))(delta), maps[f"score_{skip}"], model.skip_shifts[skip])
            fine_stride, fine_offset = model.blob_geometry[f"fuse_{skip}"]
            assert centroid(up[0, 0].sum(1), fine_stride, fine_offset) == pytest.approx(stride * (4 - offset))
            coarse = f"fuse_{skip}"
        stride, offset = model.blob_geometry[coarse]
        delta = torch.zeros_like(maps[coarse])
        delta[0, 0, 10, 10] = 1.0
        final = getattr(model, model.final_upsampling)(delta)[:, :, model.crop_offset :, model.crop_offset :]
        assert centroid(final[0, 0].sum(1), 1, 0) == pytest.approx(stride * (10 - offset))


@pytest.mark.parametrize("name", SKIP_NETS)
def test_new_score_layers_start_at_zero_and_upsamplings_bilinear(name):
    model = build_model(name, num_classes=3, width=0.0625)
    for skip in model.skips:
        score = getattr(model, f"score_{skip}")
        assert score.weight.abs().sum() == 0 and score.bias.abs().sum() == 0
    inner = [getattr(model, model.upsampling_name(i)) for i in range(len(model.skips))]
    assert all(up.weight.requires_grad and up.weight[0, 0].sum().item() == pytest.approx(4) for up in inner)
    assert all(up.weight[0, 1].abs().sum() == 0 for up in inner)  # class 0 feeds class 0 only
    final = getattr(model, model.final_upsampling)
    assert not final.weight.requires_grad and final.weight[0, 0].sum().item() == pytest.approx(model.stride ** 2)


@pytest.mark.parametrize("backbone", ["alexnet", "googlenet"])
def test_staged_surgery_32s_to_16s_to_8s_starts_from_the_previous_predictions(backbone):
    """next_stage copies trunk and score_fr (8s also upscore2) and leaves the new skip score at zero.
    AlexNet's odd 2× steps pass through the coarse knots, so bilinear 2× then 16× is the 32× one:
    identical logits. GoogLeNet's k4 samples between them: close, same labels."""
    m32 = randomised(f"{backbone}-fcn32s", num_classes=3)
    m16 = next_stage(m32).eval()
    m8 = next_stage(m16).eval()
    assert (m16.arch, m8.arch, m8.info.arch) == (f"{backbone}-fcn16s", f"{backbone}-fcn8s", f"{backbone}-fcn8s")
    skip16, skip8 = m8.skips
    assert getattr(m16, f"score_{skip16}").weight.abs().sum() == 0 and getattr(m8, f"score_{skip8}").weight.abs().sum() == 0
    assert torch.equal(m8.upscore2.weight, m16.upscore2.weight) and torch.equal(m8.score_fr.weight, m32.score_fr.weight)
    x = torch.randn(1, 3, 96, 80)
    with torch.no_grad():
        a, b, c = m32(x), m16(x), m8(x)
    if backbone == "alexnet":
        torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-5 * a.abs().max().item())
        torch.testing.assert_close(c, a, rtol=1e-5, atol=1e-5 * a.abs().max().item())
    else:
        assert (a - b).abs().max() < 0.5 * a.abs().max()
    assert (b.argmax(1) == a.argmax(1)).float().mean() > 0.95 and (c.argmax(1) == a.argmax(1)).float().mean() > 0.95
    with pytest.raises(ValueError, match="no next stage"):
        next_stage(m8)


@pytest.mark.parametrize("name", SKIP_NETS)
def test_save_load_round_trip(name, tmp_path):
    model = randomised(name, width=0.125)
    loaded = load_model(save_model(model, tmp_path / "m.safetensors"))
    assert type(loaded) is type(model) and loaded.info == model.info
    x = torch.randn(1, 3, 48, 40)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def test_googlenet_batch_norm_stays_frozen_in_training():
    """At batch 1 a 15 px input leaves inception5b one cell: a training-mode batch norm would refuse
    it (one value per channel) and would overwrite the ImageNet statistics; frozen, it does neither,
    while dropout still trains and gradients still reach the batch-norm affine parameters."""
    model = randomised("googlenet-fcn8s", width=0.0625).train()
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(bn.training for bn in bns) and model.training and model.dropout.training
    before = {k: v.clone() for k, v in model.state_dict().items() if "running" in k}
    x = torch.randn(1, 3, MIN_INPUT, MIN_INPUT)
    maps = model.intermediates(x)
    assert maps["score_fr"].shape[2:] == (1, 1)
    maps["logits"].sum().backward()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in before.items())
    assert bns[0].weight.grad is not None and bns[0].weight.grad.abs().sum() > 0
    assert model.eval().conv1.bn.training is False and model.train(False) is model
