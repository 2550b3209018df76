"""Quitting while a run trains asks first; the next launch offers to resume the run it interrupted."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QToolButton

from fcn_studio.app.note_rules import INTERRUPTED_KEY
from fcn_studio.app.train_job import StepDone
from fcn_studio.training.checkpoint import checkpoint_path, load_checkpoint
from tests.gui.conftest import interrupted_run, make_window
from tests.training.conftest import quick_recipe, write_colour_set

WAIT_MS = 120_000


@pytest.fixture(scope="module")
def colour_set(tmp_path_factory):
    return write_colour_set(tmp_path_factory.mktemp("colour") / "set", n_train=4, n_val=2, size=32)


class Answer:
    """Stands in for QMessageBox.exec: records the question and presses the button named `press`."""

    def __init__(self, monkeypatch, press: str):
        self.press, self.asked = press, []
        answer = self

        def exec_(box):
            answer.asked.append(box.text())
            buttons = {b.text().replace("&", ""): b for b in box.buttons()}
            buttons[answer.press].click()
            return 0
        monkeypatch.setattr(QMessageBox, "exec", exec_)


def start_long_run(qtbot, window, data, run):
    form = window.training.panel.form
    window.training.show()
    form.data.setText(str(data))
    form.validate_now()
    qtbot.waitUntil(lambda: not form.checking, timeout=WAIT_MS)
    form.add_recipe(quick_recipe(iterations=500, eval_every=250, checkpoint_every=250))
    form.width.setValue(0.0625)
    form.out.setText(str(run))
    form.start.click()
    qtbot.waitUntil(lambda: window.training.session.last_step is not None, timeout=WAIT_MS)


def test_quit_while_training_asks_cancel_keeps_it_quit_keeps_the_checkpoint(qtbot, family, colour_set, tmp_path,
                                                                            monkeypatch):
    settings_path = tmp_path / "settings.ini"
    window = make_window(qtbot, family["8s"].parent, settings_path)
    run = tmp_path / "run"
    start_long_run(qtbot, window, colour_set, run)

    answer = Answer(monkeypatch, "Cancel")
    assert window.close() is False  # closeEvent ignored
    assert window.isVisible() and window.training.busy()
    question = answer.asked[0]
    assert question.startswith("Training is running (iteration ") and " of 500). " in question
    assert f"Quit and keep the checkpoint at {checkpoint_path(run)}? You can resume it at the next launch." in question

    answer.press = "Quit"
    job = window.runner.handles()[0].job
    assert window.close() is True and not window.isVisible() and len(answer.asked) == 2
    assert job.results[0].status == "cancelled"
    assert load_checkpoint(checkpoint_path(run))["iteration"] == job.results[0].iteration
    assert QSettings(str(settings_path), QSettings.Format.IniFormat).value(INTERRUPTED_KEY) == str(run)

    nothing = make_window(qtbot, family["8s"].parent, tmp_path / "other.ini")
    assert nothing.notes.offer_resume() is None and nothing.notes.resume_bar is None
    assert nothing.close() and len(answer.asked) == 2  # no training: no question


def remembered(settings_path, run):
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    if run is not None:
        settings.setValue(INTERRUPTED_KEY, str(run))
    settings.sync()
    return settings


def test_next_launch_offers_to_resume_and_resume_continues_the_run(qtbot, family, colour_set, tmp_path):
    run = tmp_path / "run"
    interrupted_run(colour_set, run, 3, iterations=6, eval_every=3, checkpoint_every=2)
    remembered(tmp_path / "settings.ini", run)
    window = make_window(qtbot, family["8s"].parent, tmp_path / "settings.ini")
    bar = window.notes.resume_bar
    assert bar is not None and bar.isVisible() and bar.message.text() == f"Resume the interrupted run {run}?"
    window.grab().save(str(tmp_path / "resume-offer.png"))
    events = []
    window.runner.submitted.connect(lambda handle: handle.yielded.connect(events.append))
    bar.buttons["Resume"].click()
    assert not bar.isVisible() and not window.settings.value(INTERRUPTED_KEY)
    assert window.training.panel.form.data.text() == str(colour_set)
    qtbot.waitUntil(lambda: not window.training.busy(), timeout=WAIT_MS)
    steps = [e.iteration for e in events if isinstance(e, StepDone)]
    assert steps == [4, 5, 6] and [r.status for r in window.training.session.results] == ["done"]
    window.close()


@pytest.mark.parametrize("how", ["Dismiss", "×"])
def test_a_dismissed_offer_is_not_made_again(qtbot, family, colour_set, tmp_path, how):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")  # a run folder is all the offer needs to know
    remembered(tmp_path / "settings.ini", run)
    window = make_window(qtbot, family["8s"].parent, tmp_path / "settings.ini")
    bar = window.notes.resume_bar
    (bar.buttons["Dismiss"] if how == "Dismiss" else bar.findChild(QToolButton)).click()
    assert not bar.isVisible() and not window.settings.value(INTERRUPTED_KEY) and not window.training.busy()
    window.close()
    again = make_window(qtbot, family["8s"].parent, tmp_path / "settings.ini")
    assert again.notes.resume_bar is None
    again.close()


def test_a_vanished_run_folder_is_forgotten(qtbot, family, tmp_path):
    remembered(tmp_path / "settings.ini", tmp_path / "gone")
    window = make_window(qtbot, family["8s"].parent, tmp_path / "settings.ini")
    assert window.notes.resume_bar is None and not window.settings.value(INTERRUPTED_KEY)
    window.close()
