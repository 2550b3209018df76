"""The §4 experiments: which arms each needs, how an arm is configured, the tables, and a tiny real run."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch

from fcn_studio.errors import RecipeError, TrainingStopped
from fcn_studio.cli import main
from fcn_studio.data.synthetic.classes import scene_class_list
from fcn_studio.engine import ModelInfo, build_model
from fcn_studio.engine.weights import load_model, save_model
from fcn_studio.training.checkpoint import checkpoint_path, load_checkpoint
from fcn_studio.training.events import CancelToken, StageStarted
from fcn_studio.data.synthetic.scene_set import SceneSet
from fcn_studio.training.experiment_plan import ARMS, EXPERIMENTS, SCRATCH, Settings, default_recipe
from fcn_studio.training.experiments import (
    ARM_RESULT, arm_config, arms_for, caption, experiment_table, prepare_init, run_arm, run_experiments, table_rows,
)
from fcn_studio.training.release import write_scenes

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

TINY = Settings(data=SceneSet(n=8, size=32, seed=2, val_fraction=0.25), updates=4,
                recipe=default_recipe().with_overrides(images_per_update=2, batch_size=2, log_every=1, lr=1e-3))


@pytest.fixture
def trunk(tmp_path):
    """A compact FCN-32s of the scene classes standing in for the shipped one, with a score layer to zero."""
    classes = scene_class_list()
    info = ModelInfo(arch="fcn32s", num_classes=len(classes.names), width=0.0625, class_names=list(classes.names),
                     palette=classes.palette.tolist())
    torch.manual_seed(0)
    model = build_model("fcn32s", len(classes.names), 0.0625, info)
    with torch.no_grad():
        model.score_fr.weight.normal_(0, 0.1)
    return save_model(model, tmp_path / "trunk.safetensors")


def test_arms_are_shared_between_experiments_and_come_after_their_start():
    keys = [arm.key for arm in arms_for(["sampling", "balance", "fixed"])]
    assert keys == ["whole-32s", "sampled-50", "sampled-25", "balanced-32s", "fixed-32s"]
    keys = [arm.key for arm in arms_for(["atonce"])]
    assert keys == ["whole-32s", "staged-16s", "staged-8s", "atonce-8s"]


def test_arm_config_scales_images_and_updates_and_chains_stages(tmp_path):
    settings = replace(TINY, updates=300, recipe=default_recipe())
    sampled = arm_config(ARMS["sampled-25"], settings, tmp_path / "data", tmp_path, "init.safetensors")
    assert (sampled.recipe.iterations, sampled.recipe.images_per_update) == (75, 24)
    assert sampled.recipe.loss_sampling == 0.25 and sampled.recipe.eval_every == 75
    assert sampled.recipe.iterations * sampled.recipe.images_per_update == 300 * 6  # the same images as whole
    staged = arm_config(ARMS["staged-16s"], settings, tmp_path / "data", tmp_path, "init.safetensors")
    assert staged.stage == "16s" and staged.init == str(tmp_path / "arms" / "whole-32s" / "best.safetensors")
    assert arm_config(ARMS["atonce-8s"], settings, tmp_path, tmp_path, "i").recipe.iterations == 900
    fixed = arm_config(ARMS["fixed-32s"], settings, tmp_path, tmp_path, "i")
    assert fixed.recipe.fixed and fixed.init == "i" and fixed.recipe.lr == 3e-4


@pytest.mark.parametrize("updates", [0, 6, 301])
def test_budget_must_split_into_quarters(updates):
    with pytest.raises(RecipeError, match="multiple of 4"):
        replace(TINY, updates=updates)


def test_init_zeroes_the_score_layers_and_keeps_the_trunk(trunk, tmp_path):
    path, backbone = prepare_init(replace(TINY, init=str(trunk)), tmp_path)
    assert backbone == "vgg16"
    source, init = load_model(trunk), load_model(path)
    for name, value in init.state_dict().items():
        expected = torch.zeros_like(value) if name.startswith("score_") else source.state_dict()[name]
        assert torch.equal(value, expected), name
    assert prepare_init(replace(TINY, init=SCRATCH), tmp_path) == ("", "vgg16")


def _evals(updates, images_per_update, seconds_per_update, mean_iu):
    return [{"updates": u, "images": u * images_per_update, "seconds": u * seconds_per_update, "loss": 1.0 / u,
             "pixel_acc": 0.9, "mean_acc": 0.5, "mean_iu": mean_iu + u / 1000, "fwiu": 0.8, "boundary_iu": 0.3}
            for u in updates]


def test_table_rows_read_the_arm_at_a_fraction_and_add_up_chains():
    results = {"whole-32s": {"evals": _evals([1, 2, 3, 4], 6, 2.0, 0.4)},
               "staged-16s": {"evals": _evals([1, 2, 3, 4], 6, 3.0, 0.5)},
               "staged-8s": {"evals": _evals([1, 2, 3, 4], 6, 5.0, 0.6)},
               "atonce-8s": {"evals": _evals([3, 6, 9, 12], 6, 4.0, 0.55)},
               "sampled-50": {"evals": _evals([2], 12, 4.0, 0.3)},
               "sampled-25": {"evals": _evals([1], 24, 8.0, 0.2)}}
    staged = table_rows(EXPERIMENTS["atonce"], results)
    assert [r["updates"] for r in staged] == [4, 8, 12, 12]
    assert [r["seconds"] for r in staged] == [8.0, 20.0, 40.0, 48.0]
    assert staged[2]["mean_iu"] == pytest.approx(0.604) and staged[2]["images"] == 72
    sampling = table_rows(EXPERIMENTS["sampling"], results)
    assert [(r["updates"], r["images"]) for r in sampling] == [(4, 24), (2, 24), (1, 24), (2, 12), (1, 6)]
    assert sampling[4]["mean_iu"] == pytest.approx(0.401)
    table = experiment_table(EXPERIMENTS["sampling"], sampling, "note").splitlines()
    assert table[6] == "| whole images | 4 | 24 | 8 | 0.250 | 90.0 | 50.0 | 40.4 | 80.0 | 30.0 |"
    assert table[-1].startswith("note Training s:") and "training s" in table[4]
    untimed = experiment_table(EXPERIMENTS["atonce"], staged, "").splitlines()
    assert "training s" not in untimed[4] and untimed[8] == "| FCN-8s from 16s (stage 3) | 12 | 72 | 0.250 | 90.0 | 50.0 | 60.4 | 80.0 | 30.0 |"
    results["whole-32s"]["evals"] = _evals([4], 6, 2.0, 0.4)
    with pytest.raises(RecipeError, match="no evaluation at update 2"):
        table_rows(EXPERIMENTS["sampling"], results)


def test_caption_names_the_init_and_the_budget():
    assert "random weights" in caption(replace(TINY, init=SCRATCH), 6, 2)
    text = caption(TINY, 6, 2)
    assert "shipped FCN-32s trunk" in text and "6 training scenes of 32 px (seed 2), scored on 2" in text
    assert "4 updates of 2 images" in text


def test_fixed_and_sampling_experiments_train_their_arms_and_write_tables(trunk, tmp_path):
    settings = replace(TINY, init=str(trunk))
    started = []
    tables = run_experiments(["fixed", "sampling"], tmp_path / "exp", settings,
                             on_event=lambda e: started.append(e) if isinstance(e, StageStarted) else None)
    arms = tmp_path / "exp" / "arms"
    assert sorted(p.name for p in arms.iterdir()) == ["fixed-32s", "sampled-25", "sampled-50", "whole-32s"]
    assert len(started) == 4
    init = load_model(tmp_path / "exp" / "init.safetensors").state_dict()
    fixed = load_model(arms / "fixed-32s" / "best.safetensors").state_dict()
    whole = load_checkpoint(checkpoint_path(arms / "whole-32s"), "cpu")["model"]  # the best may be update 1's,
    trunk_names = [n for n in init if not n.startswith("score_") and not n.startswith("upscore")]
    assert all(torch.equal(fixed[n], init[n]) for n in trunk_names)  # only the score layer learned
    assert not torch.equal(fixed["score_fr.weight"], init["score_fr.weight"])
    assert any(not torch.equal(whole[n], init[n]) for n in trunk_names)  # when a zero score_fr passes no gradient
    sampled = json.loads((arms / "sampled-25" / ARM_RESULT).read_text())
    assert [(e["updates"], e["images"]) for e in sampled["evals"]] == [(1, 8)]
    rows = json.loads((tmp_path / "exp" / "fixed.json").read_text())
    base = json.loads((arms / "whole-32s" / ARM_RESULT).read_text())
    assert rows[1]["mean_iu"] == base["evals"][-1]["mean_iu"] and rows[1]["images"] == 8
    seconds = [e["seconds"] for e in base["evals"]]
    assert 0 < seconds[0] < seconds[1] < seconds[2] < seconds[3]  # the updates' own time, summed
    assert (tmp_path / "exp" / "fixed.md").read_text().strip() == tables["fixed"]
    again = []
    run_experiments(["fixed"], tmp_path / "exp", settings, on_event=again.append)
    assert again == []  # both arms were read back, nothing trained


def test_an_interrupted_or_changed_arm_trains_again(trunk, tmp_path):
    settings = replace(TINY, init=str(trunk))
    (tmp_path / "arms" / "whole-32s").mkdir(parents=True)
    (tmp_path / "arms" / "whole-32s" / "config.json").write_text("{}")
    run_experiments(["fixed"], tmp_path, settings)
    first = json.loads((tmp_path / "arms" / "whole-32s" / ARM_RESULT).read_text())
    assert [e["updates"] for e in first["evals"]] == [1, 2, 3, 4]
    run_experiments(["fixed"], tmp_path, replace(settings, recipe=settings.recipe.with_overrides(lr=5e-4)))
    second = json.loads((tmp_path / "arms" / "whole-32s" / ARM_RESULT).read_text())
    assert second["stamp"]["settings"]["recipe"]["lr"] == 5e-4
    assert json.loads((tmp_path / "arms" / "whole-32s" / "config.json").read_text())["recipe"]["lr"] == 5e-4


def test_run_arm_reports_a_stopped_arm(trunk, tmp_path):
    settings = replace(TINY, init=str(trunk))
    data = write_scenes(settings.data, tmp_path / "data")
    config = arm_config(ARMS["balanced-32s"], settings, data, tmp_path, prepare_init(settings, tmp_path)[0])
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(TrainingStopped, match="balanced-32s: training stopped"):
        run_arm(config, {}, cancel=cancel)


def test_experiment_command_prints_the_tables(trunk, tmp_path, capsys):
    code = main(["experiment", "fixed", "--out", str(tmp_path / "exp"), "--updates", "4", "--scenes", "8",
                 "--size", "32", "--init", str(trunk)])
    assert code == 0
    out = capsys.readouterr().out
    assert "### FCN-32s-fixed vs fine-tuning all layers" in out and "| score layer only (32s-fixed) | 4 | 24 | " in out
    assert (tmp_path / "exp" / "fixed.md").read_text().strip() in out


def test_experiment_command_errors_name_the_problem(tmp_path, capsys):
    code = main(["experiment", "fixed", "--out", str(tmp_path), "--updates", "6", "--scenes", "8", "--size", "48"])
    assert code == 1 and "multiple of 4" in capsys.readouterr().err
    code = main(["experiment", "fixed", "--out", str(tmp_path), "--updates", "4", "--scenes", "8", "--size", "48",
                 "--init", str(tmp_path / "missing.safetensors")])
    assert code == 1 and "missing.safetensors" in capsys.readouterr().err


def test_at_once_with_a_trunk_without_an_at_once_net_is_refused_before_any_training(tmp_path):
    classes = scene_class_list()
    info = ModelInfo(arch="alexnet-fcn32s", num_classes=len(classes.names), width=0.0625,
                     class_names=list(classes.names), palette=classes.palette.tolist())
    alexnet = save_model(build_model("alexnet-fcn32s", len(classes.names), 0.0625, info), tmp_path / "alex.safetensors")
    events = []
    with pytest.raises(RecipeError, match="at once exists for VGG16 only"):
        run_experiments(["atonce"], tmp_path / "exp", replace(TINY, init=str(alexnet)), on_event=events.append)
    assert events == [] and not (tmp_path / "exp" / "arms").exists()
