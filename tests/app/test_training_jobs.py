"""TrainJob / EvalJob as plain generators, and the training form's live dataset check (no Qt)."""

import pytest

from fcn_studio.app.dataset_check import check_dataset
from fcn_studio.app.eval_job import EvalDone, EvalJob
from fcn_studio.app.jobs import CancelToken
from fcn_studio.errors import DatasetError
from fcn_studio.app.train_job import TrainDone, TrainJob
from fcn_studio.data import open_dataset
from fcn_studio.engine import load_model
from fcn_studio.training import EvalProgress, Evaluated, StageFinished, StepDone, TrainConfig, evaluate
from fcn_studio.training.checkpoint import checkpoint_path
from tests.training.conftest import quick_recipe, write_colour_set
from tests.app.draining import drain

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


@pytest.fixture(scope="module")
def colour_set(tmp_path_factory):
    return write_colour_set(tmp_path_factory.mktemp("colour") / "set")


def config(data, out, **recipe):
    return TrainConfig(data=str(data), out=str(out), recipe=quick_recipe(**recipe), stage="32s", width=0.0625,
                       device="cpu")




def test_dataset_check_reports_layout_counts_and_classes(colour_set):
    check = check_dataset(colour_set)
    assert check.ok and check.problems == []
    assert check.layout == "voc" and check.counts == {"train": 8, "val": 4}
    assert check.class_names == ["background", "rectangle", "disc"]
    assert "voc layout: train 8, val 4 images" in check.summary()
    assert "3 classes: background, rectangle, disc" in check.summary()


def test_dataset_check_names_what_is_wrong(colour_set, tmp_path):
    assert not check_dataset("").ok and check_dataset("").summary() == "choose a dataset folder"
    missing = check_dataset(tmp_path / "nope")
    assert not missing.ok and missing.problems == [f"{tmp_path / 'nope'}: no such folder"]
    empty = check_dataset(tmp_path)
    assert not empty.ok and empty.layout is None and "no dataset found here" in empty.problems[0]
    broken = write_colour_set(tmp_path / "broken", n_train=3, n_val=2, size=16)
    (broken / "JPEGImages" / "img_001.png").unlink()
    check = check_dataset(broken)
    assert not check.ok and "img_001" in check.problems[0] and str(broken) in check.problems[0]


def test_train_job_streams_the_trainer_events_and_returns_the_results(colour_set, tmp_path):
    job = TrainJob(config(colour_set, tmp_path / "run", iterations=4, eval_every=2))
    events, done = drain(job.run())
    steps = [e for e in events if isinstance(e, StepDone)]
    assert [s.iteration for s in steps] == [1, 2, 3, 4]
    assert len([e for e in events if isinstance(e, Evaluated)]) == 2
    assert isinstance(done, TrainDone) and done.results == job.results
    finished = [e for e in events if isinstance(e, StageFinished)]
    assert [r.status for r in job.results] == ["done"] and finished == job.results
    assert (tmp_path / "run" / "best.safetensors").is_file()


def test_train_job_cancel_keeps_a_checkpoint_and_resume_continues(colour_set, tmp_path):
    job = TrainJob(config(colour_set, tmp_path / "run", iterations=200, eval_every=100, checkpoint_every=100))
    seen = []
    token = CancelToken()
    for event in job.run(token):
        seen.append(event)
        if isinstance(event, StepDone) and event.iteration == 2:
            token.cancel()
    assert job.results[0].status == "cancelled"
    stopped = job.results[0].iteration
    assert checkpoint_path(tmp_path / "run").is_file() and stopped >= 2
    again = TrainJob(run_dir=tmp_path / "run")
    token = CancelToken()
    gen = again.run(token)
    first = next(e for e in gen if isinstance(e, StepDone))
    assert first.iteration == stopped + 1
    token.cancel()
    list(gen)
    assert again.results[0].status == "cancelled"


def test_train_job_on_a_bad_folder_raises_a_job_error_naming_it(tmp_path):
    with pytest.raises(DatasetError, match=str(tmp_path / "nothing")):
        list(TrainJob(config(tmp_path / "nothing", tmp_path / "run")).run())


def test_eval_job_equals_evaluate(colour_set, tmp_path):
    list(TrainJob(config(colour_set, tmp_path / "run", iterations=2, eval_every=2)).run())
    model_path = tmp_path / "run" / "best.safetensors"
    events, done = drain(EvalJob(model_path, colour_set, "val", "cpu").run())
    assert [e.done for e in events if isinstance(e, EvalProgress)] == [1, 2, 3, 4]
    assert isinstance(done, EvalDone)
    expected = evaluate(load_model(model_path), open_dataset(colour_set, "val"), "cpu")
    assert done.metrics["mean_iu"] == pytest.approx(expected["mean_iu"])
    assert done.metrics["iu"] == pytest.approx(expected["iu"], nan_ok=True)
    assert done.metrics["boundary"]["mean_iu"] == pytest.approx(expected["boundary"]["mean_iu"], nan_ok=True)
