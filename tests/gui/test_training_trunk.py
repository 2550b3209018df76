"""The Training dock starting from a catalogue trunk served by a local test server: "Start from"
lists it as not here, Start downloads it (its row in the jobs panel, the dock's status line) and
then trains from it; Cancel on the jobs panel's row stops the download and no run starts."""

from __future__ import annotations

import hashlib
import json

import pytest

from fcn_studio.app.downloads.install import converted_path
from fcn_studio.app.downloads.trunks import NOT_HERE_LABEL, READY_LABEL
from fcn_studio.app.train_job import StageFinished
from fcn_studio.engine import read_info
from fcn_studio.training.run_folder import CONFIG
from tests.app.download_server import FileServer, isolate_downloads
from tests.app.test_downloads import entry_for, vgg_trunk_file
from tests.gui.conftest import make_window
from tests.gui.test_training_panel import WAIT_MS, fill, record
from tests.training.conftest import quick_recipe, write_colour_set


@pytest.fixture(scope="module")
def colour_set(tmp_path_factory):
    return write_colour_set(tmp_path_factory.mktemp("colour") / "set", n_train=4, n_val=2, size=32)


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A lab catalogue whose trunk "vgg-lab" (compact VGG16) a local server serves; the cache is the test's."""
    isolate_downloads(tmp_path, monkeypatch)
    _, body = vgg_trunk_file()
    with FileServer() as server:
        server.files["/vgg.pth"] = body
        server.entry = entry_for(tmp_path, [server.url("/vgg.pth")], f"md5:{hashlib.md5(body).hexdigest()}",
                                 arch="fcn32s", classes=1000, fmt="torchvision", kind="trunk", name="vgg-lab",
                                 file_name="vgg.pth")
        yield server


@pytest.fixture
def window(qtbot, family, tmp_path, served):
    w = make_window(qtbot, family["8s"].parent, tmp_path / "settings.ini")
    yield w
    w.close()


def start_from_trunk(qtbot, window, colour_set, tmp_path):
    form = fill(qtbot, window, colour_set, tmp_path / "run", quick_recipe(iterations=2, eval_every=2))
    form.backbone.setCurrentIndex(form.backbone.findData("alexnet"))
    form.set_trunk("vgg-lab")
    assert form.start_from.currentText() == f"a compact FCN-8s — {NOT_HERE_LABEL}"
    assert form.chosen_backbone() == "vgg16" and not form.backbone.isEnabled()  # the trunk decides them
    assert form.width.value() == 0.0625 and not form.width.isEnabled()
    return form


def test_start_downloads_the_trunk_then_trains_from_it(qtbot, window, colour_set, tmp_path, served):
    form = start_from_trunk(qtbot, window, colour_set, tmp_path)
    training, jobs = window.training, window.jobs_panel
    events = record(window)
    served.gate.clear()  # the body waits: the download is seen going before the run starts
    form.start.click()
    assert training.fetching is not None and not training.busy()
    assert training.panel.plots.status.text().startswith("downloading vgg-lab first")
    assert not form.start.isEnabled() and form.cancel.isEnabled()
    assert [r.name for r in jobs.downloads] == ["vgg-lab"] and jobs.downloads[0].cancel.isEnabled()
    assert window.jobs_dock.isVisibleTo(window)
    served.gate.set()
    qtbot.waitUntil(lambda: training.fetching is None and not training.busy(), timeout=WAIT_MS)
    init = converted_path(served.entry)
    config = json.loads((tmp_path / "run" / CONFIG).read_text())
    assert (config["init"], config["backbone"], config["width"]) == (str(init), "vgg16", 0.0625)
    finished = [e for e in events if isinstance(e, StageFinished)]
    assert [(e.stage, e.status) for e in finished] == [("32s", "done")]
    assert read_info(finished[0].best_model).notes["init"] == str(init)
    assert form.start_from.currentText() == f"a compact FCN-8s — {READY_LABEL}"
    assert jobs.downloads[0].label.text() == f"vgg-lab ready: {init}" and not jobs.downloads[0].cancel.isEnabled()
    assert served.hits["/vgg.pth"] == 1 and form.start.isEnabled()


def test_cancel_on_the_jobs_panel_stops_the_download_and_no_run_starts(qtbot, window, colour_set, tmp_path, served):
    form = start_from_trunk(qtbot, window, colour_set, tmp_path)
    training = window.training
    served.gate.clear()
    form.start.click()
    window.jobs_panel.downloads[0].cancel.click()
    served.gate.set()
    qtbot.waitUntil(lambda: training.fetching is None, timeout=WAIT_MS)
    qtbot.wait(50)
    assert not training.busy() and not (tmp_path / "run").exists()
    assert training.panel.plots.status.text() == "vgg-lab: download cancelled, nothing was kept; the run did not start"
    assert window.jobs_panel.downloads[0].label.text() == "vgg-lab: download cancelled; nothing was kept"
    assert form.start.isEnabled() and NOT_HERE_LABEL in form.start_from.currentText()
    assert not converted_path(served.entry).exists()
