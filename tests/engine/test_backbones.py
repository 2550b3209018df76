"""FCN-AlexNet and FCN-GoogLeNet (CVPR Table 1): sizes, geometry, alignment, weight files."""

import pytest
import torch
from torch import nn

from fcn_studio import build_model, load_model, save_model
from fcn_studio.engine.geometry import Layer, coord_map, crop_offset, receptive_field
from fcn_studio.engine.googlenet import MIN_INPUT

BACKBONES = ["alexnet-fcn32s", "googlenet-fcn32s"]


def randomised(name, num_classes=4, width=0.125, seed=0):
    """Every parameter and batch-norm statistic random, so no layer can hide behind a zero."""
    torch.manual_seed(seed)
    model = build_model(name, num_classes=num_classes, width=width).eval()
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if key.endswith("running_var"):
                t.uniform_(0.5, 2.0)
            elif t.is_floating_point() and not key.startswith("upscore"):
                t.normal_(0, 0.2)
    return model


def learnable(name):
    with torch.device("meta"):
        return sum(p.numel() for p in build_model(name).parameters() if p.requires_grad)


def test_parameter_counts_and_depth_match_table_1():
    """57M and 6M parameters; 8 and 22 convolution layers along the longest path (score_fr included).
    AlexNet: torchvision convs 2,469,696 + fc6 37,752,832 + fc7 16,781,312 + score_fr 86,037."""
    assert learnable("alexnet-fcn32s") == 2_469_696 + 37_752_832 + 16_781_312 + 86_037 == 57_089_877
    assert round(learnable("googlenet-fcn32s") / 1e6) == 6
    for name, depth in (("alexnet-fcn32s", 8), ("googlenet-fcn32s", 22)):
        with torch.device("meta"):
            model = build_model(name)
        assert sum(layer.kind == "conv" for layer in model.trunk_layers()) + 1 == depth


def test_receptive_field_stride_and_crop_from_the_coord_map():
    """AlexNet: rf 355 and stride 32 (Table 1), crop 18 (REF voc-fcn-alexnet). GoogLeNet: torchvision's
    3×3 "5×5" branch and 2×2 pool4 give 379 instead of the paper's 907; crop 9."""
    alex, goog = (build_model(name, width=0.0625) for name in BACKBONES)
    assert (alex.receptive_field, alex.crop_offset, alex.blob_geometry["score_fr"]) == (355, 18, (32, -0.40625))
    assert (goog.receptive_field, goog.crop_offset, goog.blob_geometry["score_fr"]) == (379, 9, (32, -0.6875))
    assert alex.upscore.kernel_size == goog.upscore.kernel_size == (63, 63)


def vgg16_layers(until_pool):
    convs = {1: 2, 2: 2, 3: 3, 4: 3, 5: 3}
    out = []
    for block in range(1, until_pool + 1):
        out += [Layer("conv", 3, 1, 100 if (block, i) == (1, 0) else 1) for i in range(convs[block])]
        out.append(Layer("pool", 2, 2))
    return out


def test_geometry_functions_reproduce_the_reference_vgg16_constants():
    """FCN_REFERENCE §1.2: pool4 x/16 + 5.71875, fc6 x/32 − 0.390625, crops 19 / 5, 27 / 9, 31, rf 404."""
    fc = vgg16_layers(5) + [Layer("conv", 7), Layer("conv", 1), Layer("conv", 1)]
    up = lambda f: Layer("deconv", 2 * f, f)  # noqa: E731
    assert coord_map(vgg16_layers(4)) == (1 / 16, 5.71875) and coord_map(fc) == (1 / 32, -0.390625)
    assert receptive_field(fc) == 404
    assert crop_offset(fc + [up(32)]) == 19
    upscore2 = coord_map(fc + [up(2)])[1]
    assert coord_map(vgg16_layers(4))[1] - upscore2 == 5 and crop_offset(fc + [up(2), up(16)]) == 27
    upscore_pool4 = coord_map(fc + [up(2), up(2)])[1]
    assert coord_map(vgg16_layers(3))[1] - upscore_pool4 == 9 and crop_offset(fc + [up(2), up(2), up(8)]) == 31
    with pytest.raises(ValueError, match="whole-pixel"):
        crop_offset(fc + [Layer("deconv", 63, 32)])  # VGG16's cells sit on half pixels: k63 is 0.5 px off


@pytest.mark.slow
@pytest.mark.parametrize("name", BACKBONES)
def test_logits_have_the_input_size_for_every_size(name):
    sizes = [(h, h + 7) for h in range(MIN_INPUT, 80, 3)] + [(224, 224), (333, 500), (500, 500), (1000, 999)]
    if name.startswith("alexnet"):
        sizes += [(1, 1), (2, 9), (14, 3)]
    with torch.device("meta"):
        model = build_model(name).eval()
        for h, w in sizes:
            assert model(torch.empty(1, 3, h, w)).shape == (1, 21, h, w)


def test_googlenet_refuses_inputs_below_its_minimum():
    model = build_model("googlenet-fcn32s", width=0.0625).eval()
    with pytest.raises(ValueError, match="at least 15"):
        model(torch.zeros(1, 3, MIN_INPUT - 1, 40))


def linearised(model):
    """Same geometry, but a linear net whose every path counts: max pools → average pools, conv
    weights 1/fan-in, biases zero, float64 (22 layers of small edge taps stay far from underflow),
    so the input gradient of one cell covers exactly its receptive field."""
    for parent in list(model.modules()):
        for key, child in parent.named_children():
            if isinstance(child, nn.MaxPool2d):
                setattr(parent, key, nn.AvgPool2d(child.kernel_size, child.stride, child.padding, child.ceil_mode))
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                module.weight.fill_(1.0 / module.weight[0].numel())
                if module.bias is not None:
                    module.bias.zero_()
    return model.double().eval()


@pytest.mark.parametrize("name, size, cell", [("alexnet-fcn32s", 400, 6), ("googlenet-fcn32s", 416, 6)])
def test_each_prediction_lands_on_the_centre_of_its_receptive_field(name, size, cell):
    """Empirical, not from the coord_map code: the input gradient of score_fr cell j spans the
    receptive field centred on pixel 32·j − 32·b, and the fixed upsampling + crop put that cell's
    peak on exactly that pixel of the logits."""
    model = linearised(build_model(name, num_classes=1, width=0.0625))
    x = torch.ones(1, 3, size, size, dtype=torch.float64, requires_grad=True)
    model.intermediates(x)["score_fr"][0, 0, cell, cell].backward()
    rows = x.grad[0].abs().sum((0, 2)).nonzero().flatten()
    lo, hi = rows.min().item(), rows.max().item()
    assert hi - lo + 1 == model.receptive_field
    stride, b = model.blob_geometry["score_fr"]
    centre = stride * (cell - b)
    assert (lo + hi) / 2 == centre
    delta = torch.zeros(1, 1, 12, 12, dtype=torch.float64)
    delta[0, 0, cell, cell] = 1.0
    with torch.no_grad():
        up = model.upscore(delta)[:, :, model.crop_offset :, model.crop_offset :]
    assert divmod(up[0, 0].argmax().item(), up.shape[-1]) == (centre, centre)


@pytest.mark.parametrize("name", BACKBONES)
def test_intermediates_are_one_pass_and_end_in_logits(name):
    model = randomised(name)
    x = torch.randn(1, 3, 45, 39)
    with torch.no_grad():
        maps = model.intermediates(x)
        torch.testing.assert_close(maps["logits"], model(x))
    assert list(maps) == ["score_fr", "upscore", "logits"]
    k = model.crop_offset
    assert torch.equal(maps["logits"], maps["upscore"][:, :, k : k + 45, k : k + 39])
    assert set(model.blob_geometry) == set(maps) and model.blob_geometry["upscore"] == (1, float(k))


@pytest.mark.parametrize("name", BACKBONES)
def test_initialisation_zero_score_and_frozen_bilinear_upscore(name):
    model = build_model(name, num_classes=3, width=0.0625)
    assert model.score_fr.weight.abs().sum() == 0 and model.score_fr.bias.abs().sum() == 0
    assert not model.upscore.weight.requires_grad
    assert model.upscore.weight[0, 0].sum().item() == pytest.approx(32 * 32)


@pytest.mark.parametrize("name", BACKBONES)
def test_save_load_round_trip(name, tmp_path):
    model = randomised(name, width=0.25)
    loaded = load_model(save_model(model, tmp_path / "m.safetensors"))
    assert type(loaded) is type(model) and loaded.info == model.info and loaded.width == 0.25
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    x = torch.randn(1, 3, 40, 40)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))


def test_width_scales_channels_and_bad_arguments_are_refused():
    alex = build_model("alexnet-fcn32s", width=0.25)
    assert (alex.conv1.out_channels, alex.conv5.out_channels, alex.fc6.out_channels) == (16, 64, 1024)
    goog = build_model("googlenet-fcn32s", width=0.5)
    assert goog.inception5b.branch1.conv.out_channels == 192 and goog.score_fr.in_channels == 512
    for name in BACKBONES:
        with pytest.raises(ValueError, match="width"):
            build_model(name, width=0)
        with pytest.raises(ValueError, match="num_classes"):
            build_model(name, num_classes=0)
