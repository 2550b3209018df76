"""A real MainWindow on compact models, with its settings in a temporary ini file."""

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from fcn_studio.app.catalog import Catalog
from fcn_studio.app.session import Session
from fcn_studio.engine import Segmenter, load_model
from fcn_studio.gui.main_window import MainWindow
from tests.compact_models import write_family

WAIT_MS = 60000


@pytest.fixture(scope="session")
def family(tmp_path_factory):
    return write_family(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def reference(family):
    """Segmenters loaded straight from the files: what the GUI must show."""
    return {head: Segmenter(load_model(path), device="cpu", precision="fp32") for head, path in family.items()}


def make_window(qtbot, models_folder, settings_path):
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    settings.setValue("device", "cpu")
    window = MainWindow(Session(Catalog(models_folder)), settings)
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def window(qtbot, family, tmp_path):
    w = make_window(qtbot, family["8s"].parent, tmp_path / "settings.ini")
    yield w
    w.close()


def drop(window, paths):
    """A real QDragEnterEvent + QDropEvent with file URLs, handed to the window's handlers
    (QApplication.sendEvent does not deliver drops without a drag in progress)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert event.isAccepted()
    return event


def wait_idle(qtbot, window, name=None):
    """Until nothing is opening or computing (and, if given, `name` is the image shown)."""
    qtbot.waitUntil(lambda: not window.busy() and window.view_model.image is not None
                    and (name is None or window.view_model.image.name == name), timeout=WAIT_MS)
    qtbot.wait(20)


def interrupted_run(data, run, stop_at, **recipe):
    """A run folder of the colour set `data` whose 32s training was cancelled after update `stop_at`
    (its checkpoint saved), as a quit or a Cancel leaves it; returns the TrainJob."""
    from fcn_studio.app.jobs import CancelToken
    from fcn_studio.app.train_job import StepDone, TrainConfig, TrainJob
    from tests.training.conftest import quick_recipe

    config = TrainConfig(data=str(data), out=str(run), width=0.0625, device="cpu", recipe=quick_recipe(**recipe))
    job, token = TrainJob(config), CancelToken()
    for event in job.run(token):
        if isinstance(event, StepDone) and event.iteration == stop_at:
            token.cancel()
    return job
