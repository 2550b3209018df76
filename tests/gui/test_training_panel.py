"""The Training dock and Run ▸ Evaluate, driven on the real window with the tiny colour set."""

import os
import time
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QTimer

from fcn_studio.app.jobs import CancelToken, Lane
from fcn_studio.app.train_job import TrainJob
from fcn_studio.data import open_dataset
from fcn_studio.engine import load_model, read_info
from fcn_studio.training import Evaluated, StepDone, TrainConfig, evaluate
from fcn_studio.training.checkpoint import checkpoint_path, load_checkpoint
from fcn_studio.training.run_folder import MetricsLog
from tests.training.conftest import quick_recipe, write_colour_set

WAIT_MS = 120_000
SHOTS = os.environ.get("FCN_STUDIO_SHOTS")  # set to a folder to keep the screenshots for a look


@pytest.fixture(scope="module")
def colour_set(tmp_path_factory):
    return write_colour_set(tmp_path_factory.mktemp("colour") / "set")


def check(qtbot, form, data):
    """Type a dataset folder and wait for the form's check of it (it runs on a worker thread)."""
    form.data.setText(str(data))
    form.validate_now()
    qtbot.waitUntil(lambda: not form.checking and form.check.folder == str(data), timeout=WAIT_MS)


def fill(qtbot, window, data, out, recipe):
    form = window.training.panel.form
    window.training.show()
    check(qtbot, form, data)
    form.add_recipe(recipe)
    form.width.setValue(0.0625)
    form.set_stage("32s")
    form.device.setCurrentText("cpu")
    form.out.setText(str(out))
    return form


def record(window, lane=Lane.TRAIN):
    """Every event the jobs of `lane` submitted from now on yield."""
    events = []
    window.runner.submitted.connect(lambda handle: handle.yielded.connect(events.append) if handle.lane is lane else None)
    return events


def wait_done(qtbot, window):
    qtbot.waitUntil(lambda: not window.training.busy(), timeout=WAIT_MS)
    qtbot.wait(20)


def shot(widget, tmp_path, name):
    path = Path(SHOTS or tmp_path) / name
    assert widget.grab().save(str(path))
    return path


def test_short_run_plots_every_step_and_offers_the_best_model(qtbot, window, colour_set, tmp_path):
    run = tmp_path / "run"
    form = fill(qtbot, window, colour_set, run, quick_recipe(iterations=6, eval_every=3))
    assert form.start.isEnabled() and "train 8, val 4" in form.data_problem.text()
    assert "3 classes: background, rectangle, disc" in form.data_problem.text()
    events = record(window)
    form.start.click()
    assert form.cancel.isEnabled() and not form.start.isEnabled()
    wait_done(qtbot, window)
    plots = window.training.panel.plots
    shot(window.training.panel, tmp_path, "training-panel.png")
    steps = [e for e in events if isinstance(e, StepDone)]
    evals = [e for e in events if isinstance(e, Evaluated)]
    x, y = plots.loss_curves["32s"].getData()
    assert list(x) == [1, 2, 3, 4, 5, 6] and list(y) == pytest.approx([s.loss for s in steps])
    x, y = plots.iu_curves["32s"].getData()
    assert list(x) == [3, 6] and list(y) == pytest.approx([e.metrics["mean_iu"] for e in evals])
    assert len(plots.bar_values) == 3 == len(plots.bars.opts["width"])
    assert plots.bar_values == pytest.approx(evals[-1].metrics["iu"])
    assert plots.progress.value() == 100
    assert [r.status for r in window.training.session.results] == ["done"]
    best = (run / "best.safetensors").resolve()
    picker = [window.actions.model_combo.itemText(i) for i in range(window.actions.model_combo.count())]
    assert any(text.endswith("best.safetensors") for text in picker)
    assert window.training.panel.use_best.isVisible() and not form.cancel.isEnabled() and form.start.isEnabled()
    window.training.panel.use_best.click()
    assert window.view_model.entry.path == best and window.actions.model_combo.currentText().endswith("best.safetensors")


def test_cancel_keeps_the_window_responsive_and_resume_continues(qtbot, window, colour_set, tmp_path):
    run = tmp_path / "run"
    form = fill(qtbot, window, colour_set, run, quick_recipe(iterations=200, eval_every=100, checkpoint_every=100))
    events = record(window)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(20)
    form.start.click()
    plots = window.training.panel.plots
    qtbot.waitUntil(lambda: len(plots.curves.curve("loss", "32s").x) >= 3, timeout=WAIT_MS)
    form.cancel.click()
    wait_done(qtbot, window)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > 5 and max(gaps) < 1.0  # the event loop kept running while training
    result = window.training.session.results[0]
    assert result.status == "cancelled" and "checkpoint saved" in result.message
    assert load_checkpoint(checkpoint_path(run))["iteration"] == result.iteration >= 3
    assert "cancelled" in plots.status.text() and form.start.isEnabled()
    shot(window.training.panel, tmp_path, "training-cancelled.png")

    events.clear()
    form.resume_requested.emit(str(run))  # what Resume… does once a folder is picked
    qtbot.waitUntil(lambda: any(isinstance(e, StepDone) for e in events), timeout=WAIT_MS)
    first = next(e for e in events if isinstance(e, StepDone))
    assert first.iteration == result.iteration + 1
    form.cancel.click()
    wait_done(qtbot, window)
    assert window.training.session.results[0].status == "cancelled"


def test_resume_plots_the_runs_earlier_points_then_the_new_ones(qtbot, window, colour_set, tmp_path):
    run = tmp_path / "run"
    config = TrainConfig(data=str(colour_set), out=str(run), width=0.0625, device="cpu",
                         recipe=quick_recipe(iterations=9, eval_every=3, checkpoint_every=100))
    job, token = TrainJob(config), CancelToken()
    for event in job.run(token):
        if isinstance(event, StepDone) and event.iteration == 4:
            token.cancel()
    stopped = job.results[0].iteration
    records = MetricsLog(run).events()
    old_steps = [(r.iteration, r.loss) for r in records if isinstance(r, StepDone)]
    old_evals = [(r.iteration, r.metrics["mean_iu"]) for r in records if isinstance(r, Evaluated)]
    assert [i for i, _ in old_steps] == list(range(1, stopped + 1)) and old_evals[0][0] == 3

    events = record(window)
    window.training.show()
    window.training.panel.form.resume_requested.emit(str(run))  # what Resume… does once a folder is picked
    wait_done(qtbot, window)
    shot(window.training.panel, tmp_path, "training-resumed.png")
    new_steps = [e for e in events if isinstance(e, StepDone)]
    new_evals = [e for e in events if isinstance(e, Evaluated)]
    assert [e.iteration for e in new_steps] == list(range(stopped + 1, 10)) and new_evals
    plots = window.training.panel.plots
    x, y = plots.loss_curves["32s"].getData()
    assert list(x) == [i for i, _ in old_steps] + [e.iteration for e in new_steps]
    assert list(y) == pytest.approx([v for _, v in old_steps] + [e.loss for e in new_steps])
    x, y = plots.iu_curves["32s"].getData()
    assert list(x) == [i for i, _ in old_evals] + [e.iteration for e in new_evals]
    assert list(y) == pytest.approx([v for _, v in old_evals] + [e.metrics["mean_iu"] for e in new_evals])


def test_bad_dataset_folder_is_named_and_start_disabled(qtbot, window, tmp_path):
    form = fill(qtbot, window, tmp_path / "nothing", tmp_path / "run", quick_recipe())
    assert not form.start.isEnabled() and f"{tmp_path / 'nothing'}: no such folder" in form.data_problem.text()
    check(qtbot, form, tmp_path)
    assert not form.start.isEnabled() and "no dataset found here" in form.data_problem.text()
    window.training.start()  # forced past the disabled button: the job itself reports it
    wait_done(qtbot, window)
    assert any(str(tmp_path) in m and "no dataset found" in m for m in window.errors.messages)
    assert "train failed" in window.training.panel.plots.status.text()
    assert window.isVisible()


def test_nan_loss_shows_the_failure_message(qtbot, window, colour_set, tmp_path, monkeypatch):
    import fcn_studio.training.trainer as trainer
    monkeypatch.setattr(trainer, "pixel_loss", lambda scores, *a, **k: scores.sum() * torch.tensor(float("nan")))
    form = fill(qtbot, window, colour_set, tmp_path / "run", quick_recipe(iterations=6, eval_every=3))
    form.start.click()
    wait_done(qtbot, window)
    assert [r.status for r in window.training.session.results] == ["failed"]
    assert any("NaN" in m and "failed" in m for m in window.errors.messages)
    assert "FCN-32s failed" in window.training.panel.plots.status.text()


def test_closing_the_window_cancels_training_and_waits_for_its_checkpoint(qtbot, window, colour_set, tmp_path,
                                                                         monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    def press_quit(box):  # the question before quitting (tests/gui/test_quit_and_resume.py): Quit
        next(b for b in box.buttons() if b.text() == "Quit").click()
    monkeypatch.setattr(QMessageBox, "exec", press_quit)
    run = tmp_path / "run"
    form = fill(qtbot, window, colour_set, run, quick_recipe(iterations=500, eval_every=250, checkpoint_every=250))
    form.start.click()
    plots = window.training.panel.plots
    qtbot.waitUntil(lambda: len(plots.curves.curve("loss", "32s").x) >= 1, timeout=WAIT_MS)
    job = window.runner.handles(Lane.TRAIN)[0].job
    window.close()
    assert job.results and job.results[0].status == "cancelled"
    assert load_checkpoint(checkpoint_path(run))["iteration"] == job.results[0].iteration


def test_evaluate_action_shows_the_metrics_of_evaluate(qtbot, window, colour_set, tmp_path):
    config = TrainConfig(data=str(colour_set), out=str(tmp_path / "run"), recipe=quick_recipe(iterations=3, eval_every=3),
                         width=0.0625, device="cpu")
    list(TrainJob(config).run())
    entry = window.view_model.add_model_file(tmp_path / "run" / "best.safetensors")
    window.view_model.model = entry
    window.training.evaluate(colour_set, "val")
    qtbot.waitUntil(lambda: window.training.session.last_eval is not None and not window.training.busy(), timeout=WAIT_MS)
    expected = evaluate(load_model(entry.path), open_dataset(colour_set, "val"), "cpu")
    dialog = window.training.eval_dialog
    assert dialog.isVisible()
    for key in ("pixel_acc", "mean_acc", "mean_iu", "fwiu"):
        assert dialog.values[key].text() == f"{expected[key]:.4f}"
    table = [[dialog.table.item(r, c).text() for c in range(4)] for r in range(dialog.table.rowCount())]
    assert [row[0] for row in table] == ["background", "rectangle", "disc"]
    for row, iu, edge, inner in zip(table, expected["iu"], expected["boundary"]["iu"], expected["interior"]["iu"]):
        assert row[1:] == [f"{v:.4f}" if v == v else "–" for v in (iu, edge, inner)]
    assert f"mean IU {expected['boundary']['mean_iu']:.4f}" in dialog.band.text()
    shot(dialog, tmp_path, "eval-dialog.png")


def test_backbone_choice_trains_that_trunk_and_the_current_models_trunk_wins(qtbot, window, colour_set, tmp_path):
    form = fill(qtbot, window, colour_set, tmp_path / "alex", quick_recipe(iterations=2, eval_every=2))
    form.backbone.setCurrentText("AlexNet")
    assert window.training.config().backbone == "alexnet"
    form.start.click()
    wait_done(qtbot, window)
    assert read_info(tmp_path / "alex" / "best.safetensors").arch == "alexnet-fcn32s"

    form.set_stage("atonce")
    form.out.setText(str(tmp_path / "atonce"))
    form.start.click()
    assert any("FCN-8s at once exists for VGG16 only, not alexnet" in m for m in window.errors.messages)
    assert not window.training.busy() and not (tmp_path / "atonce").exists()

    window.training.panel.use_best.click()  # the AlexNet FCN-32s just trained becomes the current model
    form.backbone.setCurrentText("VGG16")
    form.set_stage("16s", from_current=True)
    form.out.setText(str(tmp_path / "alex16"))
    assert window.training.config().backbone == "alexnet"
    form.start.click()
    wait_done(qtbot, window)
    assert form.backbone.currentText() == "AlexNet"  # the form shows the trunk that was trained
    info = read_info(tmp_path / "alex16" / "best.safetensors")
    assert info.arch == "alexnet-fcn16s"
    assert info.notes["init"] == str((tmp_path / "alex" / "best.safetensors").resolve())
