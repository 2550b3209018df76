"""The training form as a new user meets it: defaults that finish on this machine, the paper one
choice away, a resumed run's own settings, a dataset check that is never cut off, ETAs in words."""

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint

from fcn_studio.app.catalog import ModelEntry
from fcn_studio.app.dataset_check import DatasetCheck
from fcn_studio.app.train_defaults import PAPER
from fcn_studio.app.train_job import StepDone
from fcn_studio.app.training_session import TrainingSession
from fcn_studio.app.view_model import MemoryStore
from fcn_studio.engine.model_info import ModelInfo
from fcn_studio.gui.training_form import TrainingForm
from fcn_studio.gui.training_plots import TrainingPlots
from tests.gui.conftest import interrupted_run
from tests.training.conftest import write_colour_set

WAIT_MS = 120_000
SHOTS = os.environ.get("FCN_STUDIO_SHOTS")


def session_config(form, current=None):
    """The TrainConfig the session makes of what the form says."""
    return TrainingSession(MemoryStore()).config(form.choices(), current)


@pytest.fixture
def form(qtbot):
    form = TrainingForm()
    qtbot.addWidget(form)
    return form


def test_the_form_starts_with_what_finishes_on_a_cpu(form):
    assert form.recipe.itemText(0) == form.recipe.currentText() == "Quick (this CPU)"
    assert form.recipe.itemText(1) == PAPER
    assert (form.width.value(), form.iterations.value(), form.eval_every.value(), form.checkpoint_every.value()) \
        == (0.125, 400, 40, 100)
    recipe = session_config(form).recipe
    assert (recipe.optimizer, recipe.lr_policy, recipe.iterations, recipe.eval_every) == ("adam", "poly", 400, 40)


def test_the_paper_preset_is_one_choice_away_and_back(form):
    form.recipe.setCurrentIndex(1)
    form._recipe_chosen(1)  # what choosing it in the combo does (`activated`)
    assert (form.width.value(), form.iterations.value(), form.eval_every.value()) == (1.0, 75_000, 4000)
    recipe = session_config(form).recipe
    assert (recipe.optimizer, recipe.lr, recipe.iterations, recipe.eval_every) == ("sgd", 1e-4, 75_000, 4000)
    form.recipe.setCurrentIndex(0)
    form._recipe_chosen(0)
    assert (form.width.value(), form.iterations.value(), form.eval_every.value()) == (0.125, 400, 40)


def test_eval_and_checkpoint_every_follow_the_iterations_until_the_user_sets_them(form):
    form.iterations.setValue(1000)
    assert (form.eval_every.value(), form.checkpoint_every.value()) == (100, 250)
    form.eval_every.setValue(7)
    form.eval_every.editingFinished.emit()
    form.iterations.setValue(2000)
    assert form.eval_every.value() == 7 and session_config(form).recipe.eval_every == 7
    assert form.checkpoint_every.value() == 500
    form.checkpoint_every.setValue(33)
    form.checkpoint_every.editingFinished.emit()
    form.iterations.setValue(40)
    assert session_config(form).recipe.checkpoint_every == 33 and form.eval_every.value() == 7


def test_defaults_follow_the_device_and_fine_tuning_keeps_the_models_solver(form):
    form.set_defaults("cuda")
    assert form.recipe.currentText() == "Quick (this GPU)" and form.recipe.findText("Quick (this CPU)") < 0
    assert (form.width.value(), form.iterations.value(), form.eval_every.value()) == (0.5, 4000, 400)
    form.set_stage("16s", from_current=True)
    current = ModelEntry(Path("m.safetensors"), ModelInfo(arch="fcn32s", num_classes=3, recipe={"optimizer": "adam"}))
    assert session_config(form, current).recipe.optimizer == "adam"
    current.info.recipe["optimizer"] = "sgd"
    assert session_config(form, current).recipe.optimizer == "sgd"


def test_progress_says_the_time_left_in_words(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show_event(StepDone("32s", 10, 400, 0.5, 1e-3, 3.0, 22 * 60 + 43))
    assert plots.progress.format().endswith("· 10/400 · about 23 min left") and ":" not in plots.progress.format()
    plots.show_event(StepDone("32s", 11, 400, 0.5, 1e-3, 3.0, 4 * 60))  # one quick update: no swing to 4 min
    assert plots.progress.format().endswith("· 11/400 · about 21 min left")


def test_a_long_dataset_check_is_fully_readable_at_the_default_dock_size(qtbot, window, tmp_path):
    window.training.show()
    form = window.training.panel.form
    folder = "/data/VOCdevkit/VOC2012"
    form.data.setText(folder)
    form._debounce.stop()
    names = ["background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]
    form._checked(DatasetCheck(folder, layout="voc", counts={"train": 1464, "val": 1449}, class_names=names, problems=[
        f"{folder}/SegmentationClass/2007_000032.png: mask value 37 is no class (21 classes, void 255)",
        f"{folder}/JPEGImages/2007_000039.jpg: listed in train.txt but missing"]))
    qtbot.wait(50)
    label, scroll = form.data_problem, window.training.panel.scroll
    assert "2007_000039.jpg: listed in train.txt but missing" in label.text()
    assert label.height() >= label.heightForWidth(label.width()) > 5 * label.fontMetrics().height()
    right = label.mapTo(scroll.viewport(), QPoint(label.width(), 0)).x()
    assert right <= scroll.viewport().width()  # nothing cut on the right either
    assert scroll.verticalScrollBar().maximum() > 0  # the form scrolls instead of squeezing the label
    path = Path(SHOTS or tmp_path) / "training-long-check.png"
    assert window.training.panel.grab().save(str(path))


def test_resume_shows_the_runs_own_settings_before_and_while_it_trains(qtbot, window, tmp_path):
    data = write_colour_set(tmp_path / "set", n_train=4, n_val=2, size=32)
    run = tmp_path / "run"
    interrupted_run(data, run, 4, iterations=9, eval_every=3, checkpoint_every=2)
    form = window.training.panel.form
    assert form.width.value() == 0.125 and form.data.text() == ""  # a fresh launch: the defaults
    form.resume_requested.emit(str(run))  # what Resume… does once a folder is picked
    seen = (form.data.text(), form.width.value(), form.iterations.value(), form.eval_every.value(),
            form.checkpoint_every.value(), form.recipe.currentText(), form.stage.currentText(), form.out.text())
    assert seen == (str(data), 0.0625, 9, 3, 2, "test (run run)", "FCN-32s from scratch", str(run))
    assert window.training.busy() and not form.width.isEnabled()
    qtbot.waitUntil(lambda: not window.training.busy(), timeout=WAIT_MS)
    assert [r.status for r in window.training.session.results] == ["done"]
    assert (form.data.text(), form.width.value(), form.iterations.value()) == (str(data), 0.0625, 9)
