"""The one FCN head on every trunk: VGG16's reference constants derived, outputs bit for bit."""

import pytest
import torch

from fcn_studio import build_model
from fcn_studio.engine import import_pytorch_fcn
from fcn_studio.engine.fcn import FCN, align, crop, final_upsampling_name, scale_blob, scaled
from fcn_studio.engine.registry import ARCHITECTURES

from .reference_fcn import AT_ONCE_SCALES, BLOB_GEOMETRY, CROPS, KERNELS, reference_forward
from .test_fcn import HEAD_KEYS, REFERENCE_KEYS, VARIANTS, randomised


@pytest.mark.parametrize("name", VARIANTS)
def test_the_derived_vgg16_geometry_is_the_reference_one(name):
    """Crops 19; 5, 27; 5, 9, 31, kernels 64 / 4, 32 / 4, 4, 16 and REF's blob map, from the layers alone."""
    with torch.device("meta"):
        model = build_model(name)
    assert isinstance(model, FCN)
    assert (*model.skip_shifts.values(), model.crop_offset) == CROPS[name]
    upsamplings = {key.split(".")[0]: p.shape[-1] for key, p in model.state_dict().items() if key.startswith("upscore")}
    assert upsamplings == {k: KERNELS[k] for k in upsamplings}
    assert model.blob_geometry == {k: v for k, v in BLOB_GEOMETRY.items() if k in model.blob_geometry}
    assert set(model.blob_geometry) == set(model.intermediates(torch.empty(1, 3, 64, 64)))
    scales = AT_ONCE_SCALES if name.endswith("atonce") else dict.fromkeys(model.skips, 1.0)
    assert model.skip_scales == {k: scales[k] for k in model.skips}


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("size", [(1, 1), (7, 13), (33, 21), (65, 47)])
def test_vgg16_nets_compute_the_reference_forward_bit_for_bit(name, size):
    model = randomised(name)
    x = torch.randn(2, 3, *size)
    with torch.no_grad():
        assert torch.equal(model(x), reference_forward(model.state_dict(), name, x))


# (|init| summed over the state_dict, |logits| summed) of a seeded net, as the two FCN classes that
# the one head replaced computed them: the same seed still gives the same net and the same outputs.
SEEDED = {
    "fcn32s": (15809.177237479676, 2396.54571005702),
    "fcn16s": (13517.177237479676, 4053.540832620114),
    "fcn8s": (12953.177237479676, 6607.432389140129),
    "fcn8s-atonce": (12953.177237479676, 2894.7515082210302),
    "alexnet-fcn32s": (10330.141298349603, 1511.9469620084274),
    "alexnet-fcn16s": (8038.141298349603, 5232.7828082614),
    "alexnet-fcn8s": (7474.141298349603, 6717.2261702703545),
    "googlenet-fcn32s": (4162.7346254940185, 252.91756740224082),
    "googlenet-fcn16s": (1870.7346254940187, 684.7836739382183),
    "googlenet-fcn8s": (1306.7346254940187, 1020.0376768517308),
}


@pytest.mark.parametrize("name", list(SEEDED))
def test_a_seed_gives_the_net_and_outputs_it_always_gave(name):
    def magnitude(t):
        return t.double().abs().sum().item()

    torch.manual_seed(0)
    model = build_model(name, num_classes=3, width=0.0625).eval()
    state = model.state_dict()
    init = sum(magnitude(v) for _, v in sorted(state.items()) if v.is_floating_point())
    torch.manual_seed(1)
    with torch.no_grad():
        for key in sorted(state):
            if key.startswith("score_"):
                state[key].normal_(0, 0.1)
        logits = model(torch.randn(1, 3, 67, 53))
    assert (init, magnitude(logits)) == pytest.approx(SEEDED[name], rel=1e-6)


@pytest.mark.parametrize("name", VARIANTS)
def test_a_pytorch_fcn_shaped_state_dict_of_every_vgg16_net_loads_strictly(name, tmp_path):
    """The keys written out from the reference list (FCN_REFERENCE §8), not from our model."""
    shapes = build_model(name, num_classes=21, width=0.0625).state_dict()
    keys = {k for k in REFERENCE_KEYS if k.startswith("conv")}
    keys |= {k.replace(".weight", ".bias") for k in keys} | set(REFERENCE_KEYS) | set(HEAD_KEYS[name])
    torch.manual_seed(0)
    state = {k: torch.randn(shapes[k].shape) for k in sorted(keys)}
    path = tmp_path / f"{name}_from_caffe.pth"
    torch.save(state, path)
    model = import_pytorch_fcn(path)
    assert model.arch == name
    build_model(name, num_classes=21, width=0.0625).load_state_dict(state, strict=True)
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())


def test_the_final_upsampling_is_named_as_ref_names_it():
    assert [final_upsampling_name(32, False), final_upsampling_name(16, True), final_upsampling_name(8, True)] == \
        ["upscore", "upscore16", "upscore8"]
    assert all(ARCHITECTURES[n].final_upsampling == build_model(n, width=0.0625).final_upsampling for n in ARCHITECTURES)


def test_small_helpers():
    assert [scaled(64, 0.0625), scaled(64, 0.001), scaled(4096, 0.125)] == [4, 1, 512]
    x = torch.arange(2 * 3 * 6 * 5, dtype=torch.float32).reshape(2, 3, 6, 5)
    assert torch.equal(crop(x, 1, 3, 2), x[:, :, 1:4, 1:3])
    assert scale_blob(x, 1.0) is x and torch.equal(scale_blob(x, 0.5), x * 0.5)
    up, score = align(x[:, :, :4, :4], x, 2)
    assert up.shape == score.shape == (2, 3, 4, 3) and torch.equal(score, x[:, :, 2:6, 2:5])
    up, score = align(x, x[:, :, :3, :3], -1)
    assert up.shape == score.shape == (2, 3, 3, 3) and torch.equal(up, x[:, :, 1:4, 1:4])


def test_bad_skip_scales_are_refused():
    with pytest.raises(ValueError, match="2 skip scales for 1 skips"):
        ARCHITECTURES["fcn16s"].trunk.net(3, 0.0625, skips=("pool4",), skip_scales=(0.1, 0.2))
