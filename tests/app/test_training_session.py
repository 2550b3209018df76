"""The training workflow without Qt: policy rules, a run's state, Resume's suggestion, the form remembered."""

import math
from pathlib import Path

import pytest

from fcn_studio.app.catalog import ModelEntry
from fcn_studio.app.note_rules import INTERRUPTED_KEY, interrupted_run
from fcn_studio.app.train_defaults import train_defaults
from fcn_studio.app.train_job import StageFinished, StepDone, TrainDone
from fcn_studio.app.training_curves import Pace, TrainingCurves, about, loss_range
from fcn_studio.app.training_session import FORM_KEY, RememberedForm, TrainingChoices, TrainingSession
from fcn_studio.app.view_model import MemoryStore
from fcn_studio.engine.model_info import ModelInfo
from fcn_studio.errors import RecipeError
from fcn_studio.training import Evaluated, StageStarted
from fcn_studio.training.run_folder import CONFIG
from tests.training.conftest import quick_recipe, write_colour_set


def choices(**changes) -> TrainingChoices:
    values = dict(data="/data/set", recipe=train_defaults("cpu"), iterations=50, eval_every=5, checkpoint_every=10,
                  stage="32s", width=0.125, device="cpu")
    values.update(changes)
    return TrainingChoices(**values)


def entry(tmp_path: Path, arch: str = "alexnet-fcn32s", optimizer: str = "adam") -> ModelEntry:
    return ModelEntry(tmp_path / "m.safetensors", ModelInfo(arch=arch, num_classes=3, recipe={"optimizer": optimizer}))


def test_from_scratch_the_defaults_train_with_adam_and_the_forms_schedule_in_a_dated_folder(tmp_path):
    session = TrainingSession(MemoryStore(), runs_root=tmp_path)
    config = session.config(choices())
    assert (config.recipe.optimizer, config.recipe.lr_policy) == ("adam", "poly")
    assert (config.recipe.iterations, config.recipe.eval_every, config.recipe.checkpoint_every) == (50, 5, 10)
    assert (config.data, config.stage, config.width, config.backbone, config.init) == ("/data/set", "32s", 0.125, "vgg16", "")
    assert Path(config.out).parent == tmp_path and Path(config.out).name.startswith("set-32s-")
    assert session.config(choices(out=" ~/runs/a ")).out == str(Path.home() / "runs" / "a")
    assert config.precision == "auto"  # the Quick preset trains in bf16 autocast where it is native and faster


def test_a_stage_from_the_current_model_keeps_its_trunk_and_solver(tmp_path):
    session = TrainingSession(MemoryStore(), runs_root=tmp_path)
    with pytest.raises(RecipeError, match="needs a current model"):
        session.config(choices(stage="16s", from_current=True))
    config = session.config(choices(stage="16s", from_current=True, backbone="vgg16"), entry(tmp_path))
    assert (config.backbone, config.init, config.recipe.optimizer) == ("alexnet", str(tmp_path / "m.safetensors"), "adam")
    sgd = session.config(choices(stage="16s", from_current=True), entry(tmp_path, "fcn32s", optimizer="sgd"))
    assert (sgd.backbone, sgd.recipe.optimizer, sgd.recipe.iterations) == ("vgg16", "sgd", 50)
    preset = session.config(choices(recipe=quick_recipe(), iterations=7))
    assert (preset.recipe.name, preset.recipe.lr, preset.recipe.iterations) == ("test", 2e-3, 7)
    assert preset.precision == "fp32"  # a named recipe (the paper's) keeps the exact arithmetic


def test_a_runs_state_from_start_to_cancel_and_resume(tmp_path):
    store = MemoryStore()
    session = TrainingSession(store, runs_root=tmp_path / "runs")
    assert session.resume_suggestion() == tmp_path / "runs" and not session.running
    run = tmp_path / "run"
    job = session.start(session.config(choices(out=str(run))))
    assert job.config.out == str(run) and session.running and session.run_dir == run
    step = StepDone("32s", 3, 50, 0.5, 1e-3, 2.0, 30.0)
    session.take(step)
    assert session.last_step is step and "iteration 3 of 50" in session.quit_question()
    best = tmp_path / "best.safetensors"
    best.write_bytes(b"x")
    session.take(StageFinished("32s", "cancelled", 3, "checkpoint saved", best_model=str(best)))
    session.trained(TrainDone([StageFinished("32s", "cancelled", 3)]))
    session.finished()
    assert not session.running and session.last_cancelled == run and session.resume_suggestion() == run
    assert session.best_model == best and [r.status for r in session.results] == ["cancelled"]
    session.interrupted()
    assert store.value(INTERRUPTED_KEY) == str(run)

    again = session.resume(run)
    assert again.run_dir == run and session.running and store.value(INTERRUPTED_KEY) == ""
    assert session.results == [] and session.last_step is None and session.best_model is None
    session.trained(TrainDone([StageFinished("32s", "done", 50)]))
    assert session.last_cancelled is None and session.resume_suggestion() == run


def test_a_finished_run_is_no_longer_offered_after_a_relaunch(tmp_path):
    store = MemoryStore()
    data = write_colour_set(tmp_path / "set", n_train=2, n_val=1, size=32)
    session = TrainingSession(store)
    run = tmp_path / "run"
    job = session.start(session.config(choices(data=str(data), recipe=quick_recipe(), iterations=1, eval_every=1,
                                               checkpoint_every=1, width=0.0625, out=str(run))))
    session.interrupted()
    assert (run / CONFIG).exists() is False and store.value(INTERRUPTED_KEY) == str(run)
    for event in job.run():
        session.take(event)
    assert interrupted_run(store) == run
    session.trained(TrainDone(job.results))
    assert [r.status for r in session.results] == ["done"] and interrupted_run(store) is None


def test_the_form_is_remembered_across_launches(tmp_path):
    store = MemoryStore()
    form = RememberedForm(data="/d", recipe="Paper (Long et al. 2015)", backbone="alexnet", stage="16s",
                          from_current=True, width=0.25, iterations=90, eval_every=9, checkpoint_every=30, out="/o")
    TrainingSession(store).remember(form)
    assert TrainingSession(store).remembered() == form
    store.setValue(FORM_KEY, "{not json")
    assert TrainingSession(store).remembered() is None
    assert TrainingSession(MemoryStore()).remembered() is None


def test_the_time_left_is_smoothed_and_said_as_about():
    pace = Pace()
    swings = [25 * 60, 4 * 60, 25 * 60, 4 * 60]  # the raw estimate on a busy machine, a minute apart
    left = [pace.step(StepDone("32s", i, 1000, 1.0, 1e-3, 1.0, eta)) for i, eta in enumerate(swings, 100)]
    assert left[0] == pytest.approx(25 * 60)
    assert all(19 * 60 < s < 25 * 60 for s in left[1:])  # a swing moves it a tenth of the way
    assert about(left[-1]).startswith("about ") and about(22 * 60 + 43) == "about 23 min left"
    assert about(12) == "about 10 s left" and about(2 * 3600 + 7 * 60) == "about 2 h 05 min left"
    assert about(math.nan) == "time left –"
    pace.reset()
    assert pace.step(StepDone("32s", 500, 1000, 1.0, 1e-3, 1.0, 100.0)) == pytest.approx(100.0)


def test_one_early_loss_spike_does_not_set_the_loss_axis():
    losses = [3.0, 250.0] + [2.5 - 0.04 * i for i in range(50)]
    low, high = loss_range(losses)
    assert low == 0 and 3.0 <= high < 10
    assert loss_range([0.9, 0.5, 0.3]) == (0.0, 0.9) and loss_range([]) == (0.0, 1.0)


def test_curves_replace_redone_updates_and_clear_for_a_new_run():
    curves = TrainingCurves()
    curves.take(StageStarted("32s", "fcn32s", 10, 0))
    for i in (1, 2, 3, 2, 3):  # a resume redoes 2 and 3
        curves.take(StepDone("32s", i, 10, 1.0 / i, 1e-3, 1.0, 10.0))
    curves.take(Evaluated("32s", 3, {"mean_iu": 0.4, "iu": [0.5, None], "class_names": ["a", "b"]}, True))
    assert curves.curve("loss", "32s").x == [1, 2, 3] and curves.curve("iu", "32s").y == [0.4]
    assert curves.bars == ([0.5, 0.0], ["a", "b"]) and math.isfinite(curves.seconds_left)
    curves.clear()
    assert curves.curves == {} and curves.bars is None and math.isnan(curves.seconds_left)


def test_a_catalogue_trunk_is_the_runs_init_downloaded_first_when_not_here(tmp_path, monkeypatch):
    """"Start from: VGG16 ImageNet" is `train --init NAME`: the same file, its trunk and width; not here → its download."""
    import hashlib

    from fcn_studio.app.downloads.install import converted_path, install
    from fcn_studio.app.downloads.job import InstallJob
    from fcn_studio.app.downloads.trunks import NOT_HERE_LABEL, trunk_choices
    from fcn_studio.app.model_choice import model_file
    from tests.app.download_server import FileServer, isolate_downloads
    from tests.app.test_downloads import entry_for, vgg_trunk_file

    isolate_downloads(tmp_path, monkeypatch, no_waiting=False)
    _, body = vgg_trunk_file()
    with FileServer() as server:
        server.files["/vgg.pth"] = body
        trunk = entry_for(tmp_path, [server.url("/vgg.pth")], f"md5:{hashlib.md5(body).hexdigest()}", arch="fcn32s",
                          classes=1000, fmt="torchvision", kind="trunk", name="vgg-lab", file_name="vgg.pth")
        session = TrainingSession(MemoryStore(), runs_root=tmp_path / "runs")
        chosen = choices(start_from="vgg-lab", backbone="alexnet", width=0.5)
        config = session.config(chosen)
        assert (config.init, config.backbone, config.width) == (str(converted_path(trunk)), "vgg16", 0.0625)
        assert (config.recipe.optimizer, config.stage) == ("adam", "32s")  # a fresh start's solver
        assert [(t.name, t.title, t.backbone, t.ready) for t in trunk_choices()][-1] == ("vgg-lab", "a compact FCN-8s",
                                                                                        "vgg16", False)
        assert trunk_choices()[-1].label == f"a compact FCN-8s — {NOT_HERE_LABEL}"
        job = session.download_for(chosen)
        assert isinstance(job, InstallJob) and job.entry == trunk
        assert session.download_for(choices(start_from="vgg-lab", stage="16s", from_current=True)) is None
        assert session.download_for(choices()) is None
        install(job.entry)
        assert session.download_for(chosen) is None and trunk_choices()[-1].ready
        assert model_file("vgg-lab") == Path(config.init)  # what `train --init vgg-lab` opens
        assert server.hits["/vgg.pth"] == 1
    with pytest.raises(RecipeError, match="'fcn8s-voc' is not an ImageNet trunk of the catalogue"):
        session.config(choices(start_from="fcn8s-voc"))
    form = RememberedForm(start_from="vgg-lab")
    session.remember(form)
    assert session.remembered().start_from == "vgg-lab"
