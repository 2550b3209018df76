import math

import pytest
import torch

from fcn_studio.data import open_dataset
from fcn_studio.engine import load_model, read_info
from fcn_studio.training import CancelToken, Evaluated, RecipeError, StepDone, TrainConfig, evaluate, resume, stage_model, train
from fcn_studio.training import trainer as trainer_module
from fcn_studio.training.checkpoint import checkpoint_path, load_checkpoint
from fcn_studio.training.run_folder import MetricsLog
from fcn_studio.training.trainer import parameter_groups

from .conftest import quick_recipe

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

WIDTH = 0.0625


def config(root, out, **recipe_changes):
    stage = recipe_changes.pop("stage", "32s")
    return TrainConfig(data=str(root), out=str(out), recipe=quick_recipe(**recipe_changes), stage=stage, width=WIDTH, seed=7)


def test_training_lowers_the_loss_and_raises_mean_iu(colour_set, tmp_path):
    cfg = config(colour_set, tmp_path / "run", stage="8s", iterations=60, eval_every=20, lr=3e-3)
    val = open_dataset(colour_set, "val")
    before = evaluate(stage_model(cfg, "8s", val), val)["mean_iu"]
    events = []
    [result] = train(cfg, on_event=events.append)
    losses = [e.loss for e in events if isinstance(e, StepDone)]
    evals = [e for e in events if isinstance(e, Evaluated)]
    assert result.status == "done" and len(losses) == 60 and [e.iteration for e in evals] == [20, 40, 60]
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5
    assert result.metrics["mean_iu"] > before + 0.15
    best = load_model(result.best_model)
    assert best.arch == "fcn8s" and best.info.class_names == ["background", "rectangle", "disc"]
    assert best.info.metrics["mean_iu"] == pytest.approx(result.metrics["mean_iu"])
    assert evaluate(best, val)["mean_iu"] == pytest.approx(result.metrics["mean_iu"])
    log = MetricsLog(tmp_path / "run").events()
    assert [r.iteration for r in log if isinstance(r, Evaluated)] == [20, 40, 60]
    assert all(math.isfinite(r.loss) for r in log if isinstance(r, StepDone))


def test_cancel_saves_and_resume_matches_an_uninterrupted_run(colour_set, tmp_path):
    [whole] = train(config(colour_set, tmp_path / "whole"))
    token = CancelToken()

    def cancel_at_5(event):
        if isinstance(event, StepDone) and event.iteration == 5:
            token.cancel()

    [stopped] = train(config(colour_set, tmp_path / "cut"), on_event=cancel_at_5, cancel=token)
    assert stopped.status == "cancelled" and stopped.iteration == 5 and "checkpoint saved in" in stopped.message
    assert "--resume" not in stopped.message  # the window's words differ from the command line's
    assert load_checkpoint(checkpoint_path(tmp_path / "cut"))["iteration"] == 5
    [resumed] = resume(tmp_path / "cut")
    assert resumed.status == "done" and resumed.iteration == whole.iteration == 12
    a = load_checkpoint(checkpoint_path(tmp_path / "whole"))["model"]
    b = load_checkpoint(checkpoint_path(tmp_path / "cut"))["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    iterations = [r.iteration for r in MetricsLog(tmp_path / "cut").events() if isinstance(r, StepDone)]
    assert iterations == sorted(set(iterations))  # nothing logged twice across the resume


def test_a_nan_loss_stops_with_the_last_good_checkpoint(colour_set, tmp_path, monkeypatch):
    real = trainer_module.pixel_loss
    calls = {"n": 0}

    def poisoned(*args, **kwargs):
        calls["n"] += 1
        loss = real(*args, **kwargs)
        return loss * float("nan") if calls["n"] == 9 else loss  # 2 passes per update: update 5

    monkeypatch.setattr(trainer_module, "pixel_loss", poisoned)
    [result] = train(config(colour_set, tmp_path / "nan"))
    assert result.status == "failed"
    assert "NaN or infinite at update 5" in result.message and "checkpoints/last.pt" in result.message
    state = load_checkpoint(checkpoint_path(tmp_path / "nan"))
    assert state["iteration"] == 4 and not state["finished"]
    assert all(torch.isfinite(v).all() for v in state["model"].values())


def test_parameter_groups_follow_the_reference(colour_set, tmp_path):
    cfg = config(colour_set, tmp_path / "g", weight_decay=5e-4)
    model = stage_model(cfg, "32s", open_dataset(colour_set, "train"))
    weights, biases = parameter_groups(model, cfg.recipe)
    assert (weights["lr_mult"], weights["weight_decay"]) == (1.0, 5e-4)
    assert (biases["lr_mult"], biases["weight_decay"]) == (2.0, 0.0)
    assert all(p is not model.upscore.weight for p in weights["params"])  # the final upsampling is fixed
    fixed = stage_model(config(colour_set, tmp_path / "f", fixed=True), "32s", open_dataset(colour_set, "train"))
    assert {n for n, p in fixed.named_parameters() if p.requires_grad} == {"score_fr.weight", "score_fr.bias"}


def test_staged_run_initialises_each_stage_from_the_previous(colour_set, tmp_path):
    out = tmp_path / "staged"
    results = train(config(colour_set, out, stage="staged", iterations=3, eval_every=3))
    assert [(r.stage, r.status) for r in results] == [("32s", "done"), ("16s", "done"), ("8s", "done")]
    best32 = load_model(out / "32s" / "best.safetensors")
    cfg = config(colour_set, out, stage="staged")
    m16 = stage_model(cfg, "16s", open_dataset(colour_set, "train"), init=str(out / "32s" / "best.safetensors"))
    assert torch.equal(m16.conv1_1.weight, best32.conv1_1.weight) and torch.equal(m16.score_fr.bias, best32.score_fr.bias)
    assert not m16.score_pool4.weight.any()
    info = read_info(out / "8s" / "best.safetensors")
    assert (info.arch, info.notes["stage"], info.notes["family"]) == ("fcn8s", "8s", "staged")
    assert info.notes["init"].endswith("16s/best.safetensors")
    again = resume(out)
    assert [r.message for r in again] == ["already finished"] * 3
    with pytest.raises(RecipeError, match="already holds a run"):
        train(cfg)
