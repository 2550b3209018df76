"""Adapting a model to a new label set: kept classes score bit for bit as before, new ones 0."""

import numpy as np
import pytest
import torch

from fcn_studio.paths import models_dir
from fcn_studio.engine.build import build_model
from fcn_studio.engine.weights import load_model
from fcn_studio.engine.surgery import adapt_to_classes, kept_classes
from fcn_studio.engine.model_info import ModelInfo

OLD = ["background", "cat", "dog", "bird"]


def trained_looking(arch, seed=0):
    """A compact model whose class layers are random everywhere (learned deconvs mix classes)."""
    info = ModelInfo(arch=arch, num_classes=4, width=0.0625, class_names=OLD)
    model = build_model(arch, 4, 0.0625, info)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith(("score", "upscore")):
                param.copy_(torch.randn(param.shape, generator=gen) * 0.1)
    return model.eval()


def test_kept_classes_match_by_name():
    assert kept_classes(OLD, ["dog", "horse", "background"]) == [(0, 2), (2, 0)]


def scores(model, x):
    with torch.no_grad():
        return model.eval().intermediates(x)


@pytest.mark.parametrize("arch", ["fcn32s", "fcn16s", "fcn8s"])
def test_kept_classes_keep_their_scores_bit_for_bit_and_new_ones_score_zero(arch):
    model = trained_looking(arch)
    new_names = OLD + ["horse", "sheep"]  # the class editor adds at the end: kept classes keep their index
    adapted = adapt_to_classes(model, new_names)
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    before, after = scores(model, x), scores(adapted, x)
    for blob in before:
        assert torch.equal(after[blob][:, :4], before[blob]), blob
        assert torch.equal(after[blob][:, 4:], torch.zeros_like(after[blob][:, 4:])), blob
    assert adapted.info.class_names == new_names and adapted.info.num_classes == 6
    assert adapted.info.palette[:4] == model.info.palette and adapted.info.notes["classes_from"] == OLD
    assert model.num_classes == 4  # the original is untouched
    for key, value in model.state_dict().items():
        if not key.startswith(("score", "upscore")):
            assert torch.equal(adapted.state_dict()[key], value)


def test_classes_kept_at_other_indices_agree_to_float_rounding():
    """BLAS kernels round an output channel differently in another lane, so a moved class agrees
    to a few ulps rather than bit for bit; new classes still score exactly 0."""
    model = trained_looking("fcn8s")
    adapted = adapt_to_classes(model, ["background", "horse", "cat", "dog", "sheep", "bird"])
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    before, after = scores(model, x)["logits"], scores(adapted, x)["logits"]
    torch.testing.assert_close(after[:, [0, 2, 3, 5]], before, rtol=0, atol=1e-6)
    assert torch.equal(after[:, [1, 4]], torch.zeros_like(after[:, [1, 4]]))


def test_dropping_classes_keeps_the_kept_scores_while_upsampling_is_bilinear():
    model = build_model("fcn8s", 4, 0.0625, ModelInfo(arch="fcn8s", num_classes=4, width=0.0625, class_names=OLD))
    with torch.no_grad():
        for layer in (model.score_fr, model.score_pool4, model.score_pool3):
            layer.weight.normal_(0, 0.1)
            layer.bias.normal_(0, 0.1)
    adapted = adapt_to_classes(model, ["dog", "background"], palette=[[1, 2, 3], [4, 5, 6]])
    x = torch.randn(1, 3, 48, 48, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(scores(adapted, x)["logits"], scores(model, x)["logits"][:, [2, 0]], rtol=0, atol=1e-6)
    assert adapted.info.palette == [[1, 2, 3], [4, 5, 6]]
    assert not adapted.upscore8.weight.requires_grad and adapted.upscore2.weight.requires_grad
    bilinear = adapted.upscore8.weight[0, 0].clone()
    assert torch.equal(adapted.upscore8.weight[1, 1], bilinear) and adapted.upscore8.weight[0, 1].abs().max() == 0


def test_bad_class_lists_are_refused():
    with pytest.raises(ValueError, match="unique"):
        adapt_to_classes(trained_looking("fcn32s"), ["a", "a"])
    with pytest.raises(ValueError, match="unique"):
        adapt_to_classes(trained_looking("fcn32s"), [])


def test_the_shipped_fcn8s_adapts_to_merged_classes():
    shipped = load_model(models_dir() / "fcn8s.safetensors")
    adapted = adapt_to_classes(shipped, ["background", "disc", "square"])
    assert adapted.score_fr.weight.shape[0] == 3
    assert torch.equal(adapted.score_fr.weight[0], shipped.score_fr.weight[0])
    assert np.count_nonzero(adapted.score_pool3.weight[1:].detach().numpy()) == 0
