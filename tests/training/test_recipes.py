import json

import pytest

from fcn_studio.engine.registry import STAGES
from fcn_studio.errors import RecipeError
from fcn_studio.training.recipes import PRESETS, Recipe, load_recipe, paper_stage_lr_scale, save_recipe


def test_paper_preset_is_the_papers_solver():
    r = PRESETS["paper"]
    assert (r.optimizer, r.momentum, r.images_per_update, r.lr, r.weight_decay, r.bias_lr_mult) == ("sgd", 0.9, 20, 1e-4, 5e-4, 2.0)
    assert r.normalize_loss and r.dropout and not r.fixed
    assert r.stage_lr("32s") == pytest.approx(1e-4) and r.stage_lr("16s") == pytest.approx(1e-6)
    assert (r.loss_sampling, r.class_balance, r.mirror, r.jitter) == (1.0, False, False, 0)


def test_heavy_preset_is_the_reference_solver():
    r = PRESETS["heavy"]
    assert (r.momentum, r.images_per_update, r.batch_size, r.normalize_loss) == (0.99, 1, 1, False)
    assert [r.stage_lr(s) for s in ("32s", "16s", "8s", "atonce")] == pytest.approx([1e-10, 1e-12, 1e-14, 1e-10])


def test_fixed_preset_trains_only_the_last_layer():
    assert PRESETS["fixed"].fixed and not PRESETS["paper"].fixed


def test_poly_policy_decays_to_zero():
    r = Recipe(lr=1.0, lr_policy="poly", iterations=10)
    assert r.lr_at("32s", 0) == 1.0
    assert r.lr_at("32s", 5) == pytest.approx(0.5 ** 0.9)
    assert Recipe(lr=1.0).lr_at("32s", 5) == 1.0


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_round_trip_through_files(tmp_path, suffix):
    recipe = PRESETS["heavy"].with_overrides(jitter=32, mirror=True, loss_sampling=0.5, name="mine")
    path = save_recipe(recipe, tmp_path / f"r{suffix}")
    assert load_recipe(path) == recipe


def test_a_file_can_start_from_a_preset(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text('preset = "heavy"\niterations = 7\n')
    recipe = load_recipe(path)
    assert (recipe.name, recipe.iterations, recipe.momentum) == ("heavy", 7, 0.99)


def test_bad_files_and_values_are_named(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"lrr": 1}))
    with pytest.raises(RecipeError, match=r"bad\.json.*lrr"):
        load_recipe(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("lr = = 1")
    with pytest.raises(RecipeError, match="broken.toml"):
        load_recipe(broken)
    with pytest.raises(RecipeError, match="neither a recipe preset"):
        load_recipe(tmp_path / "missing.toml")
    with pytest.raises(RecipeError, match="multiple of batch_size"):
        Recipe(images_per_update=5, batch_size=2)
    with pytest.raises(RecipeError, match="loss_sampling"):
        Recipe(loss_sampling=0)


def test_paper_stage_scales_come_from_the_registrys_stages():
    """lr ÷ 100 for the stages that fine-tune the one before; every stage the registry knows has one."""
    assert paper_stage_lr_scale() == {"32s": 1.0, "16s": 0.01, "8s": 0.01, "atonce": 1.0} == Recipe().stage_lr_scale
    assert tuple(paper_stage_lr_scale()) == STAGES
