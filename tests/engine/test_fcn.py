import pytest
import torch

from fcn_studio import build_model
from fcn_studio.engine.bilinear import bilinear_weight, upsample_filt
from fcn_studio.engine.registry import ARCHITECTURES

from .reference_fcn import reference_forward

VARIANTS = ["fcn32s", "fcn16s", "fcn8s", "fcn8s-atonce"]


def randomised(name, num_classes=5, width=0.0625, seed=0):
    """A small model with every parameter random (score layers too, so the skips matter)."""
    torch.manual_seed(seed)
    model = build_model(name, num_classes=num_classes, width=width).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.3 if p.ndim == 4 and p.shape[-1] > 1 else 0.1)
    return model


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("size", [(1, 1), (7, 13), (33, 21), (65, 47)])
def test_forward_matches_independent_functional_forward(name, size):
    model = randomised(name)
    x = torch.randn(2, 3, *size)
    with torch.no_grad():
        ours = model(x)
        ref = reference_forward(model.state_dict(), name, x)
    assert ours.shape == (2, 5, *size)
    torch.testing.assert_close(ours, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", VARIANTS)
def test_intermediates_are_one_pass_and_end_in_logits(name):
    model = randomised(name)
    x = torch.randn(1, 3, 41, 37)
    with torch.no_grad():
        maps = model.intermediates(x)
        torch.testing.assert_close(maps["logits"], model(x))
    expected = {"fcn32s": {"score_fr", "logits"},
                "fcn16s": {"score_fr", "upscore2", "score_pool4", "fuse_pool4", "logits"}}.get(
        name, {"score_fr", "upscore2", "score_pool4", "fuse_pool4", "upscore_pool4", "score_pool3", "fuse_pool3", "logits"})
    assert set(maps) == expected
    if "fuse_pool4" in maps:
        torch.testing.assert_close(maps["fuse_pool4"], maps["upscore2"] + maps["score_pool4"])
    if "fuse_pool3" in maps:
        torch.testing.assert_close(maps["fuse_pool3"], maps["upscore_pool4"] + maps["score_pool3"])


def _meta_shapes(name, size=500):
    with torch.device("meta"):
        model = build_model(name)
        x = torch.empty(1, 3, size, size)
        pools = model.features(x, keep=tuple(f"pool{i}" for i in range(1, 6)))
        return model, {k: tuple(v.shape[2:]) for k, v in {**pools, **model.intermediates(x)}.items()}


def test_shapes_at_500_match_reference_table():
    """FCN_REFERENCE §1: pool1..5 = 349, 175, 88, 44, 22; fc7 16; upscore2 34; upscore_pool4 70."""
    _, shapes = _meta_shapes("fcn8s")
    assert [shapes[f"pool{i}"] for i in range(1, 6)] == [(349, 349), (175, 175), (88, 88), (44, 44), (22, 22)]
    assert shapes["fc7"] == shapes["score_fr"] == (16, 16)
    assert shapes["upscore2"] == shapes["score_pool4"] == shapes["fuse_pool4"] == (34, 34)
    assert shapes["upscore_pool4"] == shapes["score_pool3"] == shapes["fuse_pool3"] == (70, 70)
    assert shapes["logits"] == (500, 500)


@pytest.mark.parametrize("size", [1, 2, 31, 32, 33, 224, 385, 499, 1000])
def test_every_size_gives_valid_crops_at_full_width(size):
    for name in VARIANTS[:3]:
        _, shapes = _meta_shapes(name, size)
        assert shapes["logits"] == (size, size)


REFERENCE_KEYS = {  # FCN_REFERENCE §8, shapes at width 1.0
    **{f"conv{b}_{i}.weight": None for b, n in [(1, 2), (2, 2), (3, 3), (4, 3), (5, 3)] for i in range(1, n + 1)},
    "conv1_1.weight": (64, 3, 3, 3), "conv5_3.weight": (512, 512, 3, 3),
    "fc6.weight": (4096, 512, 7, 7), "fc6.bias": (4096,), "fc7.weight": (4096, 4096, 1, 1), "fc7.bias": (4096,),
    "score_fr.weight": (21, 4096, 1, 1), "score_fr.bias": (21,),
}
HEAD_KEYS = {
    "fcn32s": {"upscore.weight": (21, 21, 64, 64)},
    "fcn16s": {"score_pool4.weight": (21, 512, 1, 1), "score_pool4.bias": (21,), "upscore2.weight": (21, 21, 4, 4),
               "upscore16.weight": (21, 21, 32, 32)},
    "fcn8s": {"score_pool3.weight": (21, 256, 1, 1), "score_pool3.bias": (21,), "score_pool4.weight": (21, 512, 1, 1),
              "score_pool4.bias": (21,), "upscore2.weight": (21, 21, 4, 4), "upscore8.weight": (21, 21, 16, 16),
              "upscore_pool4.weight": (21, 21, 4, 4)},
}
HEAD_KEYS["fcn8s-atonce"] = HEAD_KEYS["fcn8s"]


@pytest.mark.parametrize("name", VARIANTS)
def test_state_dict_keys_are_exactly_the_reference_names(name):
    with torch.device("meta"):
        sd = build_model(name).state_dict()
    convs = {k for k in REFERENCE_KEYS if k.startswith("conv")}
    expected = convs | {k.replace(".weight", ".bias") for k in convs} | set(REFERENCE_KEYS) | set(HEAD_KEYS[name])
    assert set(sd) == expected
    for key, shape in {**REFERENCE_KEYS, **HEAD_KEYS[name]}.items():
        if shape is not None:
            assert tuple(sd[key].shape) == shape, key


def test_parameter_counts_match_the_paper():
    """134,346,581 learnable in FCN-32s (Table 1's 134M); skips add 10,773 and 5,397 + the 2× deconvs."""
    def learnable(name):
        with torch.device("meta"):
            return sum(p.numel() for p in build_model(name).parameters() if p.requires_grad)
    assert learnable("fcn32s") == 134_346_581
    assert learnable("fcn16s") == 134_346_581 + 10_773 + 21 * 21 * 16
    assert learnable("fcn8s") == 134_346_581 + 10_773 + 5_397 + 2 * 21 * 21 * 16


@pytest.mark.parametrize("name", VARIANTS)
def test_initialisation_zero_scores_bilinear_deconvs_and_frozen_final(name):
    model = build_model(name, num_classes=4, width=0.0625)
    sd = dict(model.named_parameters())
    for key in ("score_fr", "score_pool4", "score_pool3"):
        if f"{key}.weight" in sd:
            assert sd[f"{key}.weight"].abs().sum() == 0 and sd[f"{key}.bias"].abs().sum() == 0
    final = ARCHITECTURES[name].final_upsampling
    for key, p in sd.items():
        if key.startswith("upscore"):
            k = p.shape[-1]
            torch.testing.assert_close(p.detach(), bilinear_weight(4, k))
            assert p.requires_grad == (key != f"{final}.weight"), key


def test_bilinear_kernel_taps_and_sum():
    torch.testing.assert_close(upsample_filt(4)[0] / upsample_filt(4)[0].max(), torch.tensor([1 / 3, 1, 1, 1 / 3]))
    taps = upsample_filt(4)[1]  # the middle rows hold the 1-D taps scaled by 0.75
    torch.testing.assert_close(taps / 0.75, torch.tensor([0.25, 0.75, 0.75, 0.25]))
    for f in (2, 8, 16, 32):
        assert upsample_filt(2 * f).sum().item() == pytest.approx(f * f)


def test_dropout_only_in_training():
    model = randomised("fcn32s")
    x = torch.randn(1, 3, 20, 20)
    with torch.no_grad():
        assert torch.equal(model(x), model(x))
        model.train()
        assert not torch.equal(model(x), model(x))


def test_width_scales_every_channel_count():
    model = build_model("fcn8s", num_classes=3, width=0.25)
    assert model.conv1_1.out_channels == 16 and model.conv5_3.out_channels == 128
    assert model.fc6.out_channels == 1024 and model.score_pool3.in_channels == 64


def test_unknown_architecture_and_bad_arguments():
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("fcn4s")
    with pytest.raises(ValueError, match="width"):
        build_model("fcn8s", width=0)
    with pytest.raises(ValueError, match="num_classes"):
        build_model("fcn8s", num_classes=0)
