"""With tensorboard installed, a run folder is also a TensorBoard log of the same events."""

import pytest

from fcn_studio.training import Evaluated, StepDone, TrainConfig, resume, train
from fcn_studio.training import CancelToken
from fcn_studio.training.tensorboard import FOLDER, TensorBoardLog, tensorboard_available

from .conftest import quick_recipe

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def scalars(run):
    acc = EventAccumulator(str(run / FOLDER))
    acc.Reload()
    return {tag: [(s.step, s.value) for s in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_the_scalars_are_the_logged_events(colour_set, tmp_path):
    run = tmp_path / "run"
    events = []
    cfg = TrainConfig(data=str(colour_set), out=str(run), width=0.0625, seed=3,
                      recipe=quick_recipe(iterations=4, eval_every=2, log_every=2))
    [done] = train(cfg, on_event=events.append)
    assert done.status == "done" and tensorboard_available()
    found = scalars(run)
    steps = [e for e in events if isinstance(e, StepDone) and e.iteration in (1, 2, 4)]
    assert found["train/loss"] == [(e.iteration, pytest.approx(e.loss, rel=1e-6)) for e in steps]
    assert found["train/lr"] == [(e.iteration, pytest.approx(e.lr, rel=1e-6)) for e in steps]
    evals = [e for e in events if isinstance(e, Evaluated)]
    assert found["val/mean_iu"] == [(e.iteration, pytest.approx(e.metrics["mean_iu"], rel=1e-6)) for e in evals]
    assert [step for step, _ in found["val/fwiu"]] == [2, 4] and "val/boundary_iu" in found


def test_a_resumed_run_purges_the_updates_it_redoes(colour_set, tmp_path):
    run, token = tmp_path / "cut", CancelToken()
    cfg = TrainConfig(data=str(colour_set), out=str(run), width=0.0625,
                      recipe=quick_recipe(iterations=6, eval_every=6, log_every=1, checkpoint_every=2))
    train(cfg, on_event=lambda e: token.cancel() if isinstance(e, StepDone) and e.iteration == 3 else None, cancel=token)
    [done] = resume(run)
    assert done.status == "done"
    assert [step for step, _ in scalars(run)["train/loss"]] == [1, 2, 3, 4, 5, 6]


def test_open_gives_none_without_tensorboard(monkeypatch, tmp_path):
    monkeypatch.setattr("fcn_studio.training.tensorboard.tensorboard_available", lambda: False)
    assert TensorBoardLog.open(tmp_path) is None and not (tmp_path / FOLDER).exists()
