"""`train --recipe fixed` on cached trunk blobs: the same updates as the full forward, far fewer trunk passes."""

from __future__ import annotations

import dataclasses
import logging

import pytest
import torch

from fcn_studio.data import open_dataset
from fcn_studio.engine.vgg import VGG16FCN
from fcn_studio.training import TrainConfig, stage_model, train
from fcn_studio.training.cached_trunk import caching_obstacle
from fcn_studio.training.checkpoint import checkpoint_path, load_checkpoint
from fcn_studio.training.recipes import PRESETS

from .conftest import quick_recipe, write_colour_set

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

UPDATES, IMAGES_PER_UPDATE = 20, 4


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    """Four training images: each drawn 20 times in 20 updates, in both orientations."""
    return write_colour_set(tmp_path_factory.mktemp("small") / "set", n_train=4, n_val=1, size=32)


def fixed_config(root, out, **changes):
    recipe = quick_recipe(fixed=True, iterations=UPDATES, images_per_update=IMAGES_PER_UPDATE, batch_size=2,
                          eval_every=1000, checkpoint_every=1000, mirror=True, **changes)
    return TrainConfig(data=str(root), out=str(out), recipe=recipe, stage="8s", width=0.0625, seed=3, val_split="")


@pytest.fixture
def trunk_passes(monkeypatch):
    """Counts every trunk forward (VGG16FCN.features), the cached path's own passes included."""
    calls = {"n": 0}
    real = VGG16FCN.features

    def counted(self, *args, **kwargs):
        calls["n"] += args[0].shape[0]  # images, whatever the batch size
        return real(self, *args, **kwargs)

    monkeypatch.setattr(VGG16FCN, "features", counted)
    return calls


def test_cached_blobs_give_the_uncached_updates_with_one_trunk_pass_per_image_and_orientation(small_set, tmp_path, trunk_passes, caplog):
    caplog.set_level(logging.INFO, logger="fcn_studio.training.cached_trunk")
    [cached] = train(fixed_config(small_set, tmp_path / "cached"))
    cached_passes = trunk_passes["n"]
    assert "its blobs cached" in caplog.text
    trunk_passes["n"] = 0
    [plain] = train(fixed_config(small_set, tmp_path / "plain", cache_trunk=False))
    plain_passes = trunk_passes["n"]
    assert "cache_trunk = false" in caplog.text
    assert cached.status == plain.status == "done"
    a = load_checkpoint(checkpoint_path(tmp_path / "cached"))["model"]
    b = load_checkpoint(checkpoint_path(tmp_path / "plain"))["model"]
    start = stage_model(fixed_config(small_set, tmp_path / "x"), "8s", open_dataset(small_set, "train")).state_dict()
    assert not torch.equal(a["score_fr.weight"], start["score_fr.weight"])  # the head learned
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-6)
    train_images = len(open_dataset(small_set, "train"))
    assert plain_passes == UPDATES * IMAGES_PER_UPDATE  # the trunk at every image of every update
    assert train_images < cached_passes <= 2 * train_images  # each image once per orientation it was drawn in
    ratio = plain_passes / cached_passes
    print(f"trunk passes: uncached {plain_passes}, cached {cached_passes} ({ratio:.1f}× fewer)")
    assert ratio >= 10


def test_caching_is_ruled_out_where_the_trunk_is_not_repeatable(small_set, tmp_path):
    model = stage_model(fixed_config(small_set, tmp_path / "m"), "8s", open_dataset(small_set, "train"))
    assert caching_obstacle(model, quick_recipe(fixed=True)) is None  # quick recipes have no dropout
    assert "dropout" in caching_obstacle(model, quick_recipe(fixed=True, dropout=True))
    assert "jitter" in caching_obstacle(model, quick_recipe(fixed=True, jitter=8))
    assert "processes" in caching_obstacle(model, quick_recipe(fixed=True), processes=2)
    assert PRESETS["fixed"].dropout is False and caching_obstacle(model, PRESETS["fixed"]) is None
    model.conv1_1.weight.requires_grad_(True)
    assert "trunk learns" in caching_obstacle(model, quick_recipe(fixed=True))


def test_a_fixed_run_with_jitter_says_it_does_not_cache(small_set, tmp_path, trunk_passes, caplog):
    caplog.set_level(logging.INFO, logger="fcn_studio.training.cached_trunk")
    cfg = fixed_config(small_set, tmp_path / "j", jitter=4)
    cfg = dataclasses.replace(cfg, recipe=cfg.recipe.with_overrides(iterations=3))
    [result] = train(cfg)
    assert result.status == "done" and trunk_passes["n"] == 3 * IMAGES_PER_UPDATE
    assert "not cached: jitter (4 px)" in caplog.text
