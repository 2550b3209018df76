"""The live head: the sparse head equals the full forward, a fit learns, predict equals the refit model."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from fcn_studio.engine.model_info import normalize
from fcn_studio.training.blob_cache import BlobCache, trunk_fingerprint
from fcn_studio.training.live_head import LiveHead, labelled_pixels, thread_count
from fcn_studio.training.sparse_head import (check_final_upsampling, concat_plans, gather_features, plan_pixels,
                                             sparse_logits)
from tests.compact_models import compact_model
from tests.training.conftest import colour_scene


def model_with_random_head(arch: str):
    """A compact model whose inner upsamplings are no longer bilinear, so a wrong tap shows."""
    model = compact_model(arch).eval()
    torch.manual_seed(1)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith("upscore") and param.requires_grad:
                param.add_(torch.randn_like(param) * 0.1)
            if name.startswith("score_") and name.endswith("bias"):
                param.normal_(0, 0.5)
    return model


def full_logits(model, rgb: np.ndarray) -> torch.Tensor:
    x = normalize(torch.from_numpy(rgb).permute(2, 0, 1)[None], model.info.input)
    with torch.no_grad():
        return model(x)[0]


def random_image(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("arch", ["fcn32s", "fcn16s", "fcn8s"])
def test_sparse_logits_equal_the_full_forward_at_the_pixels(arch):
    model = model_with_random_head(arch)
    rgb = random_image(37, 53)
    cache = BlobCache(model)
    blobs = cache.blobs("a", torch.from_numpy(rgb).permute(2, 0, 1))
    rng = np.random.default_rng(2)
    ys, xs = rng.integers(0, 37, 300), rng.integers(0, 53, 300)
    ys[:4], xs[:4] = [0, 36, 0, 36], [0, 52, 52, 0]  # the corners, where cells run out
    plan = plan_pixels(model, {k: tuple(v.shape[2:]) for k, v in blobs.items()}, torch.from_numpy(ys), torch.from_numpy(xs))
    with torch.no_grad():
        sparse = sparse_logits(model, plan, gather_features(model, blobs, plan))
    full = full_logits(model, rgb)[:, ys, xs].t()
    assert full.abs().max() > 1.0  # a head that says something
    torch.testing.assert_close(sparse, full, atol=1e-4, rtol=1e-4)


def test_concatenated_plans_equal_each_image_alone():
    model = model_with_random_head("fcn8s")
    cache = BlobCache(model)
    plans, feats, expected = [], [], []
    for seed, (h, w) in enumerate([(30, 41), (45, 33)]):
        rgb = random_image(h, w, seed)
        blobs = cache.blobs(seed, torch.from_numpy(rgb).permute(2, 0, 1))
        ys, xs = torch.arange(0, h, 2)[:12], torch.arange(1, w, 2)[:12]
        plans.append(plan_pixels(model, {k: tuple(v.shape[2:]) for k, v in blobs.items()}, ys, xs))
        feats.append(gather_features(model, blobs, plans[-1]))
        expected.append(full_logits(model, rgb)[:, ys, xs].t())
    plan, features = concat_plans(plans, feats)
    with torch.no_grad():
        torch.testing.assert_close(sparse_logits(model, plan, features), torch.cat(expected), atol=1e-4, rtol=1e-4)


def test_a_class_mixing_final_upsampling_is_refused():
    model = compact_model("fcn32s")
    with torch.no_grad():
        model.upscore.weight[0, 1] = 1.0
    with pytest.raises(ValueError, match="mixes classes"):
        check_final_upsampling(model)


def test_labelled_pixels_skip_void_and_negative_and_refuse_unknown_classes():
    mask = np.array([[0, 255, 2], [-1, 1, 255]], np.int16)
    ys, xs, classes = labelled_pixels(mask, 3)
    assert list(zip(ys, xs, classes)) == [(0, 0, 0), (0, 2, 2), (1, 1, 1)]
    with pytest.raises(ValueError, match="class 3"):
        labelled_pixels(np.array([[3]]), 3)


def scribbles(label: np.ndarray, seed: int, fraction: float = 0.05) -> np.ndarray:
    """A sparse mask: `fraction` of the pixels keep their label, the rest are unlabelled (255)."""
    keep = np.random.default_rng(seed).random(label.shape) < fraction
    return np.where(keep, label, 255).astype(np.uint8)


def accuracy(head: LiveHead) -> float:
    with torch.no_grad():
        logits, targets = head.logits_at_labels()
    return float((logits.argmax(1) == targets).float().mean())


def test_a_fit_learns_the_labelled_pixels_and_predict_is_the_refit_model():
    model = compact_model("fcn8s")  # random score layers: labels unrelated to the scenes
    head = LiveHead(model, lr=0.01)
    scenes = [colour_scene(seed, 40) for seed in range(3)]
    for key, (rgb, label) in enumerate(scenes):
        head.add_image(key, rgb)
        head.set_labels(key, scribbles(label, key))
    before = accuracy(head)
    first = head.fit(1)
    last = head.fit(60)
    after = accuracy(head)
    assert last < first
    assert after > max(before + 0.2, 0.85), (before, after)
    # predict = the full forward of a model copy that holds the refit head
    refit = copy.deepcopy(model).eval()
    refit.load_state_dict(head.head_state(), strict=False)
    shown = head.predict(1)
    logits = full_logits(refit, scenes[1][0])
    prob = logits.softmax(0)
    top = prob.topk(2, dim=0).values
    np.testing.assert_allclose(shown.margin, (top[0] - top[1]).numpy(), atol=1e-4)
    assert shown.mean_margin == pytest.approx(float((top[0] - top[1]).mean()), abs=1e-4)
    agree = shown.labels == logits.argmax(0).numpy()
    assert agree[shown.margin > 1e-3].all()  # ties within rounding aside
    assert not torch.equal(refit.score_fr.weight, model.score_fr.weight)  # the model itself is untouched...
    assert torch.equal(model.score_fr.weight, compact_model("fcn8s").score_fr.weight)


def test_repainting_reuses_the_blobs_and_a_changed_trunk_recomputes_them():
    model = compact_model("fcn16s")
    head = LiveHead(model)
    rgb, label = colour_scene(0, 32)
    head.add_image("a", rgb)
    head.add_image("a", rgb)  # the same pixels again
    for seed in range(3):
        head.set_labels("a", scribbles(label, seed))
        head.fit(1)
        head.predict("a")
    assert head.cache.trunk_passes == 1
    before = head.logits_at_labels()[0].detach()
    fingerprint = trunk_fingerprint(model)
    with torch.no_grad():
        model.conv1_1.weight.mul_(0.5)  # another trunk, in place
    assert trunk_fingerprint(model) != fingerprint
    after = head.logits_at_labels()[0].detach()
    assert head.cache.trunk_passes == 2
    assert not torch.allclose(before, after)
    head.add_image("a", rgb[::-1].copy())  # new pixels under the same key
    assert head.cache.trunk_passes == 3
    assert head.painted == []  # the old mask does not describe the new image
    head.set_labels("a", scribbles(label[::-1], 0))
    head.remove_image("a")
    assert head.painted == [] and len(head.cache) == 0 and np.isnan(head.fit(1))
    with pytest.raises(KeyError, match="'a'"):
        head.predict("a")


def test_the_cache_keeps_what_fits_its_budget():
    model = compact_model("fcn32s")
    image = torch.from_numpy(random_image(24, 24)).permute(2, 0, 1)
    one = BlobCache(model).blobs("x", image)
    size = sum(b.numel() * b.element_size() for b in one.values())
    cache = BlobCache(model, max_bytes=size)
    cache.blobs("x", image)
    cache.blobs("y", image)
    cache.blobs("x", image)
    cache.blobs("y", image)
    assert cache.trunk_passes == 3 and len(cache) == 1 and cache.bytes == size


def test_thread_count_sets_and_restores_the_thread_count():
    before = torch.get_num_threads()
    with thread_count(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with thread_count(None):
        assert torch.get_num_threads() == before
