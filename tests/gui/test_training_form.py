"""The training form's live dataset check: on a worker thread, "checking…" meanwhile, and never
showing the verdict on a path the user has already typed past."""

import threading

import pytest

import fcn_studio.app.training_jobs as training_jobs
from fcn_studio.app.training_jobs import DatasetCheck
from fcn_studio.gui.training_form import CHECKING, STAGES, TrainingForm, stage_choices

WAIT_S = 10


class SlowChecks:
    """Stands in for check_dataset: records its thread, holds the gated folders until released."""

    def __init__(self, *gated: str):
        self.gates = {folder: threading.Event() for folder in gated}
        self.calls: list[tuple[str, int]] = []

    def __call__(self, folder, *args, **kwargs) -> DatasetCheck:
        self.calls.append((str(folder), threading.get_ident()))
        if str(folder) in self.gates:
            self.gates[str(folder)].wait(WAIT_S)
        name = str(folder).rsplit("/", 1)[-1]
        return DatasetCheck(str(folder), layout=name, counts={"train": 5, "val": 2}, class_names=["background", name])

    def started(self, folder: str) -> bool:
        return any(f == folder for f, _ in self.calls)


@pytest.fixture
def form(qtbot, monkeypatch):
    form = TrainingForm()
    qtbot.addWidget(form)
    shown: list[str] = []
    set_text = form.data_problem.setText
    monkeypatch.setattr(form.data_problem, "setText", lambda text: (shown.append(text), set_text(text)))
    form.shown = shown  # every text the check line has displayed, in order
    return form


def summary(folder: str) -> str:
    name = folder.rsplit("/", 1)[-1]
    return f"{name} layout: train 5, val 2 images\n2 classes: background, {name}"


def test_check_runs_off_the_gui_thread_and_says_checking_meanwhile(qtbot, form, monkeypatch):
    checks = SlowChecks("/data/slow")
    monkeypatch.setattr(training_jobs, "check_dataset", checks)
    form.data.setText("/data/slow")
    form.validate_now()
    qtbot.waitUntil(lambda: checks.started("/data/slow"), timeout=WAIT_S * 1000)
    qtbot.wait(50)  # the event loop turns while the check is held
    assert form.data_problem.text() == CHECKING and form.checking and not form.start.isEnabled()
    checks.gates["/data/slow"].set()
    qtbot.waitUntil(lambda: not form.checking, timeout=WAIT_S * 1000)
    assert all(ident != threading.get_ident() for _, ident in checks.calls)
    assert form.check.folder == "/data/slow" and form.data_problem.text() == summary("/data/slow")
    assert form.start.isEnabled()


def test_superseded_check_is_dropped(qtbot, form, monkeypatch):
    checks = SlowChecks("/data/old")
    monkeypatch.setattr(training_jobs, "check_dataset", checks)
    form.data.setText("/data/old")
    form.validate_now()
    qtbot.waitUntil(lambda: checks.started("/data/old"), timeout=WAIT_S * 1000)
    form.data.setText("/data/new")
    form.validate_now()  # queued behind the old check on the lane's one thread
    checks.gates["/data/old"].set()
    qtbot.waitUntil(lambda: not form.checking, timeout=WAIT_S * 1000)
    assert form.checker.dropped == 1
    assert summary("/data/old") not in form.shown
    assert form.check.folder == "/data/new" and form.data_problem.text() == summary("/data/new")


def test_check_finishing_during_the_typing_pause_is_not_shown(qtbot, form, monkeypatch):
    """The new path is not submitted yet (the form waits for a pause in typing), so nothing has
    superseded the old check: the form itself must see that its result is for another path."""
    checks = SlowChecks("/data/old")
    monkeypatch.setattr(training_jobs, "check_dataset", checks)
    form._debounce.setInterval(1500)  # long enough for the old result to arrive inside the pause
    form.data.setText("/data/old")
    form.validate_now()
    qtbot.waitUntil(lambda: checks.started("/data/old"), timeout=WAIT_S * 1000)
    form.data.setText("/data/new")  # typed, no validate_now: the debounce is running
    assert form.data_problem.text() == CHECKING
    checks.gates["/data/old"].set()
    qtbot.waitUntil(lambda: not form.checker.busy(), timeout=WAIT_S * 1000)
    qtbot.wait(20)
    assert not checks.started("/data/new")
    assert form.data_problem.text() == CHECKING and form.checking and not form.start.isEnabled()
    qtbot.waitUntil(lambda: not form.checking, timeout=WAIT_S * 1000)  # the debounce checks the new path
    assert summary("/data/old") not in form.shown
    assert [f for f, _ in checks.calls] == ["/data/old", "/data/new"]
    assert form.data_problem.text() == summary("/data/new")


def test_the_stage_choices_are_the_registrys_stages():
    assert STAGES == stage_choices() == (
        ("FCN-32s from scratch", "32s", False),
        ("FCN-16s from current model", "16s", True),
        ("FCN-8s from current model", "8s", True),
        ("staged 32s → 16s → 8s", "staged", False),
        ("FCN-8s at-once (VGG16)", "atonce", False),
    )
