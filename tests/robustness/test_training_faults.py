"""Training under faults: killed at random points, a full disk, a cancel during evaluation.

Covered elsewhere: a NaN loss stops with the last good checkpoint
(tests/training/test_trainer.py::test_a_nan_loss_stops_with_the_last_good_checkpoint), one SIGKILL
through the CLI (tests/training/test_processes.py), closing the window while training
(tests/gui/test_training_panel.py::test_closing_the_window_cancels_training_and_waits_for_its_checkpoint).
"""

import errno
import multiprocessing
import os
import random
import signal
import time

import pytest
import torch

from fcn_studio.errors import CheckpointError
from fcn_studio.engine import load_model, weights
from fcn_studio.training import CancelToken, EvalProgress, Evaluated, TrainConfig, resume, train
from fcn_studio.training import checkpoint as checkpoint_module
from fcn_studio.training import trainer as trainer_module
from fcn_studio.training.checkpoint import checkpoint_path, load_checkpoint, save_checkpoint
from fcn_studio.training.run_folder import BEST, MetricsLog
from tests.compact_models import compact_model
from tests.training.conftest import quick_recipe

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def config(root, out, **changes):
    return TrainConfig(data=str(root), out=str(out), recipe=quick_recipe(**changes), width=0.0625, seed=5, device="cpu")


def same_weights(run_a, run_b):
    a, b = (load_checkpoint(checkpoint_path(r)) for r in (run_a, run_b))
    return a["iteration"] == b["iteration"] and all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])


def evals(run):
    return [(r.iteration, r.metrics["mean_iu"]) for r in MetricsLog(run).events() if isinstance(r, Evaluated)]


def _child(run, fresh, cfg):
    torch.set_num_threads(1)
    if fresh:
        train(cfg)
    else:
        resume(run)


@pytest.fixture
def one_thread():
    """The children train on one thread; results are bit-equal only at equal thread counts
    (summation order), so the parent's uninterrupted run and final resume use one thread too."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_sigkill_at_random_points_never_corrupts_and_the_resumed_run_matches(colour_set, tmp_path, one_thread):
    changes = dict(iterations=16, checkpoint_every=1, eval_every=8)
    train(config(colour_set, tmp_path / "whole", **changes))
    run, rng = tmp_path / "cut", random.Random(8)
    cfg = config(colour_set, run, **changes)
    fork = multiprocessing.get_context("fork")
    last, kills = 0, 0
    for target in sorted(rng.sample(range(2, 14), 3)):
        proc = fork.Process(target=_child, args=(run, kills == 0, cfg))
        proc.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.is_alive():
            try:
                if load_checkpoint(checkpoint_path(run))["iteration"] >= target:
                    break
            except CheckpointError:
                pass
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.05))  # anywhere: mid-update, mid-evaluation, mid-write
        assert proc.is_alive(), "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        assert proc.exitcode == -signal.SIGKILL
        kills += 1
        state = load_checkpoint(checkpoint_path(run))  # never a half-written checkpoint
        assert last <= state["iteration"] < 16 and not state["finished"]
        last = state["iteration"]
    [done] = resume(run)
    assert done.status == "done" and kills == 3
    assert same_weights(tmp_path / "whole", run)
    assert evals(run) == evals(tmp_path / "whole")
    assert load_model(run / BEST).info.metrics["mean_iu"] == load_model(tmp_path / "whole" / BEST).info.metrics["mean_iu"]
    assert not list((run / "checkpoints").glob("*.tmp")) and not list(run.glob(".*.tmp"))


def disk_full_after(monkeypatch, module, name, good_calls):
    """Let `module.name` succeed `good_calls` times, then write half a file and fail with ENOSPC."""
    real, calls = getattr(module, name), {"n": 0}

    def writer(obj, target, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= good_calls:
            return real(obj, target, *args, **kwargs)
        if hasattr(target, "write"):
            target.write(b"PK\x03\x04 half a checkpoint")
        else:
            with open(target, "wb") as f:
                f.write(b"half a model")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(module, name, writer)


def test_disk_full_while_saving_a_checkpoint_keeps_the_previous_one(colour_set, tmp_path, monkeypatch):
    train(config(colour_set, tmp_path / "whole"))
    run = tmp_path / "full"
    disk_full_after(monkeypatch, checkpoint_module.torch, "save", good_calls=1)
    [result] = train(config(colour_set, run))
    assert result.status == "failed" and result.iteration == 6
    assert "No space left on device" in result.message and str(checkpoint_path(run)) in result.message
    assert f"the checkpoint of update 3 in {run} is intact" in result.message
    assert load_checkpoint(checkpoint_path(run))["iteration"] == 3
    assert sorted(p.name for p in checkpoint_path(run).parent.iterdir()) == ["last.pt"]
    monkeypatch.undo()  # space freed
    [done] = resume(run)
    assert done.status == "done" and same_weights(tmp_path / "whole", run)


def test_disk_full_while_saving_the_best_model_keeps_the_previous_one(colour_set, tmp_path, monkeypatch):
    run = tmp_path / "full"
    previous = weights.save_model(compact_model("fcn32s"), run / BEST).read_bytes()
    disk_full_after(monkeypatch, weights, "save_file", good_calls=0)
    [result] = train(config(colour_set, run, eval_every=3, iterations=12))
    assert result.status == "failed" and result.iteration == 3 and result.best_model == str(run / BEST)
    assert f"{run / BEST}: could not save the model (No space left on device); the previous file is untouched" in result.message
    assert f"the checkpoint of update 3 in {run} is intact" in result.message
    assert (run / BEST).read_bytes() == previous and not list(run.glob(".*.tmp"))


def test_save_checkpoint_reports_a_full_disk_naming_the_file(tmp_path, monkeypatch):
    path = save_checkpoint({"model": {}, "optimizer": {}, "iteration": 1}, tmp_path / "last.pt")
    disk_full_after(monkeypatch, checkpoint_module.torch, "save", good_calls=0)
    with pytest.raises(CheckpointError) as err:
        save_checkpoint({"model": {}, "optimizer": {}, "iteration": 2}, path)
    assert str(err.value) == f"{path}: could not save the checkpoint (No space left on device); the previous checkpoint is untouched"
    assert load_checkpoint(path)["iteration"] == 1 and [p.name for p in tmp_path.iterdir()] == ["last.pt"]


def test_cancel_during_evaluation_then_resume_matches(colour_set, tmp_path, monkeypatch):
    train(config(colour_set, tmp_path / "whole"))
    token, real = CancelToken(), trainer_module.evaluate

    def cancelled_after_two_images(*args, **kwargs):
        kwargs["on_event"] = lambda event: token.cancel() if isinstance(event, EvalProgress) and event.done == 2 else None
        return real(*args, **kwargs)

    monkeypatch.setattr(trainer_module, "evaluate", cancelled_after_two_images)
    run = tmp_path / "cut"
    [stopped] = train(config(colour_set, run), cancel=token)
    assert stopped.status == "cancelled" and stopped.iteration == 6 and "during evaluation" in stopped.message
    state = load_checkpoint(checkpoint_path(run))
    assert state["iteration"] == 6 and state["eval_pending"] and evals(run) == []
    monkeypatch.undo()
    [done] = resume(run)
    assert done.status == "done" and same_weights(tmp_path / "whole", run)
    assert evals(run) == evals(tmp_path / "whole") and [i for i, _ in evals(run)] == [6, 12]
    assert done.metrics["mean_iu"] == load_model(tmp_path / "whole" / BEST).info.metrics["mean_iu"]
