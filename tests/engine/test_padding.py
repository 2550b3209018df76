"""Trimmed padding (engine/padding.py): the plan derived from the layers, and every map of the
trimmed pass equal to the plain forward's within float rounding, over fewer pixels."""

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from fcn_studio import Segmenter
from fcn_studio.engine import build_model, open_model
from fcn_studio.engine.geometry import layers_of
from fcn_studio.engine.padding import (
    PaddingPlan,
    Resize,
    TrimmedFCN,
    axis_states,
    padding_plan,
    trimmed,
)

from ..compact_models import compact_model

MODELS = Path(__file__).resolve().parents[2] / "models"
ODD_SIZES = [(1, 1), (7, 9), (33, 47), (64, 64)]


def random_biases(model, seed=0):
    """Nonzero biases, so that pure cells, bands and the image box all hold different values
    (zero biases would make every pure cell zero and hide a wrong band)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") and not name.startswith("score"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.1)
    return model.eval()


def assert_same_maps(model, net, x):
    with torch.no_grad():
        plain, fast = model.intermediates(x), net.intermediates(x)
    assert list(fast) == list(plain)
    for name, ref in plain.items():
        assert fast[name].shape == ref.shape, name
        assert (fast[name] - ref).abs().max() <= 1e-5 * ref.abs().max(), name
    assert torch.equal(fast["logits"].argmax(1), plain["logits"].argmax(1))


def test_the_vgg16_plan_is_derived_from_the_layers():
    plan = padding_plan(build_model("fcn8s", width=0.0625))
    # conv1_1 pads 8 instead of 100 (92 pure columns fewer each side at 1×), then the cut shrinks
    # level by level (46 → 40 at ½, 20 → 12 at ¼) and pool3's blob is widened back in full.
    assert plan == PaddingPlan("conv1_1", 8, (Resize("pool1", 6, 1, 1), Resize("pool2", 8, 2, 2),
                                              Resize("pool3", 6, 3, 3)))
    assert plan.describe() == "conv1_1 pad 8; pool1 +6@1/1, pool2 +8@2/2, pool3 +6@3/3"
    assert padding_plan(build_model("fcn8s", width=0.0625), levels=1) == PaddingPlan("conv1_1", 8, (Resize("pool1", 46, 1, 1),))


@pytest.mark.parametrize("arch", ["alexnet-fcn32s", "googlenet-fcn8s"])
def test_other_trunks_keep_their_plain_forward(arch):
    model = build_model(arch, width=0.0625)
    assert padding_plan(model) is None and trimmed(model) is model


def test_axis_states_say_which_cells_are_pure_in_the_real_tensors():
    """In the plain trunk's conv3_3 output the predicted gap columns are all equal, the border
    column and the box's first differ from them (the band is a bound: ReLU may hide its inner edge)."""
    model = random_biases(build_model("fcn8s", width=0.0625))
    names = model.trunk_names()
    state = axis_states(layers_of(model.trunk_path()), 13)[names.index("conv3_3")]
    x = torch.randn(1, 3, 11, 13)
    with torch.no_grad():
        h = x
        for name in names[: names.index("conv3_3") + 1]:
            h = getattr(model, name)(h)
            h = torch.relu(h) if name.startswith("conv") else h
    row = h[0, :, h.shape[2] // 2]  # a row through the image box: C × width
    assert h.shape[3] == state.size and state.gap_left > 2 and state.gap_right > 2
    gap = row[:, state.band_left : state.lo]
    assert torch.equal(gap, gap[:, :1].expand_as(gap))
    assert not torch.allclose(row[:, 0], gap[:, 0])
    assert not torch.allclose(row[:, state.lo], gap[:, 0])
    right = row[:, state.hi + 1 : state.size - state.band_right]
    assert torch.equal(right, gap[:, :1].expand_as(right))


@pytest.mark.parametrize("arch", ["fcn32s", "fcn16s", "fcn8s", "fcn8s-atonce"])
@pytest.mark.parametrize("size", ODD_SIZES)
def test_every_map_equals_the_plain_forward_at_compact_width(arch, size):
    model = random_biases(compact_model(arch, seed=1))
    x = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(size[1]))
    assert_same_maps(model, trimmed(model), x)


@pytest.mark.slow
def test_every_map_equals_the_plain_forward_at_full_vgg16_width():
    model = random_biases(build_model("fcn8s", num_classes=5))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith("score") and name.endswith("weight"):
                p.normal_(0, 0.01)
    assert_same_maps(model, trimmed(model), torch.randn(1, 3, 7, 9))


@pytest.mark.parametrize("name, size", [("fcn8s", (192, 192)), ("fcn8s", (37, 53)), ("fcn16s", (192, 192)),
                                        ("fcn32s", (53, 37)), ("fcn32s-fixed", (192, 192))])
def test_shipped_models_give_the_same_maps_and_labels(name, size):
    model = open_model(MODELS / f"{name}.safetensors").eval()
    x = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(7))
    assert_same_maps(model, trimmed(model), x)


def test_the_early_blocks_process_fewer_pixels():
    model = random_biases(compact_model("fcn8s"))
    shapes: dict[str, dict[str, tuple[int, ...]]] = {"plain": {}, "trimmed": {}}
    which = "plain"

    def record(name):
        return lambda module, args, out: shapes[which].__setitem__(name, tuple(args[0].shape[2:]))

    for name in ("conv1_2", "conv2_1", "conv3_1", "conv4_1", "conv5_1", "fc6"):
        getattr(model, name).register_forward_hook(record(name))
    x = torch.randn(1, 3, 192, 160)
    with torch.no_grad():
        model(x)
        which = "trimmed"
        trimmed(model)(x)
    assert shapes["plain"]["conv1_2"] == (390, 358) and shapes["trimmed"]["conv1_2"] == (206, 174)
    assert shapes["plain"]["conv2_1"] == (195, 179) and shapes["trimmed"]["conv2_1"] == (115, 99)
    assert shapes["plain"]["conv3_1"] == (98, 90) and shapes["trimmed"]["conv3_1"] == (74, 66)
    for late in ("conv4_1", "conv5_1", "fc6"):  # from pool3 on: the true blobs (the skips read them)
        assert shapes["trimmed"][late] == shapes["plain"][late]


def test_cutting_one_pair_more_than_the_plan_breaks_the_maps():
    """The plan's cut is the largest exact one: pad 6 (two more columns a side) leaves pool1's
    blob no pure column to copy, and the maps differ."""
    model = random_biases(compact_model("fcn8s"))
    plan = padding_plan(model)
    greedy = replace(plan, padding=6, resizes=(replace(plan.resizes[0], count=7), *plan.resizes[1:]))
    x = torch.randn(1, 3, 33, 47)
    with torch.no_grad():
        a, b = model.intermediates(x)["score_pool3"], TrimmedFCN(model, greedy).intermediates(x)["score_pool3"]
    assert a.shape == b.shape and (a - b).abs().max() > 1e-3 * a.abs().max()


def test_segmenter_trims_at_reduced_precision_and_keeps_fp32_plain():
    model = compact_model("fcn8s")
    exact = Segmenter(model, device="cpu", precision="fp32", backend="torch")
    bf16 = Segmenter(model, device="cpu", precision="bf16", backend="torch")
    assert exact._net is model and isinstance(bf16._net, TrimmedFCN)  # fp32 runs the plain net, bf16 the trimmed pass
    x = torch.randn(1, 3, 40, 52)
    with torch.no_grad():
        assert torch.equal(exact.logits(x), model(x))
    labels = bf16.predict(torch.randint(0, 256, (40, 52, 3), dtype=torch.uint8).numpy(), intermediates=True)
    assert labels.labels.shape == (40, 52) and list(labels.intermediates) == list(model.intermediates(x))
