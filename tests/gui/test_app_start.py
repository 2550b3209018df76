"""How the command line's --model and --head choose what the window shows first
(`fcn-studio IMG --model M [--head H]` → cli.app's parser → gui.app.build_window)."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from fcn_studio.app.catalog import Catalog
from fcn_studio.cli import build_app_parser
from fcn_studio.gui.app import build_window
from tests.compact_models import write_image
from tests.gui.conftest import wait_idle
from tests.gui.test_main_window import rgb_of


def start(qtbot, argv, models_folder, settings_path):
    args = build_app_parser().parse_args(argv)
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    window = build_window(args, settings, Catalog(models_folder))
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.mark.parametrize("head", ["32s", "16s"])
def test_model_named_without_head_shows_that_models_head(qtbot, family, reference, tmp_path, head):
    image = write_image(tmp_path / "a.png")
    window = start(qtbot, [str(image), "--model", family[head].name, "--device", "cpu"], family["8s"].parent,
                   tmp_path / "s.ini")
    wait_idle(qtbot, window, "a.png")
    assert window.view_model.head == head and window.actions.heads[head].isChecked()
    assert window.view_model.entry.path == family[head].resolve() and set(window.view_model.family) == {"32s", "16s", "8s"}
    np.testing.assert_array_equal(window.view_model.prediction().labels, reference[head].predict(rgb_of(image)).labels)
    assert window.settings.value("head") == head  # remembered like a head the user picked
    window.close()


def test_model_file_outside_the_catalog_shows_its_own_head(qtbot, family, tmp_path):
    empty = tmp_path / "no-models"
    empty.mkdir()
    window = start(qtbot, [str(write_image(tmp_path / "a.png")), "-m", str(family["16s"]), "--device", "cpu"], empty,
                   tmp_path / "s.ini")
    wait_idle(qtbot, window, "a.png")
    assert window.view_model.head == "16s" and window.view_model.entry.path == family["16s"].resolve()
    window.close()


def test_explicit_head_wins_over_the_models_own(qtbot, family, tmp_path):
    window = start(qtbot, [str(write_image(tmp_path / "a.png")), "--model", family["16s"].name, "--head", "32s",
                           "--device", "cpu"], family["8s"].parent, tmp_path / "s.ini")
    wait_idle(qtbot, window, "a.png")
    assert window.view_model.head == "32s" and window.view_model.entry.path == family["32s"].resolve()
    window.close()


def test_no_model_and_no_head_keeps_the_remembered_head(qtbot, family, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("model", str(family["8s"]))
    settings.setValue("head", "16s")
    settings.sync()
    window = start(qtbot, [str(write_image(tmp_path / "a.png")), "--device", "cpu"], family["8s"].parent,
                   tmp_path / "s.ini")
    wait_idle(qtbot, window, "a.png")
    assert window.view_model.head == "16s"
    window.close()


def test_images_named_on_the_command_line_withdraw_last_times_reopen_offer(qtbot, family, tmp_path):
    """Walk-through bug: `fcn-studio a.png b.png` offered to "reopen" the very images it was opening."""
    settings_path, image = tmp_path / "settings.ini", write_image(tmp_path / "a.png")
    first = start(qtbot, [str(image), "--device", "cpu"], family["8s"].parent, settings_path)
    qtbot.waitUntil(lambda: len(first.session.images) == 1, timeout=60_000)
    first.close()
    plain = start(qtbot, ["--device", "cpu"], family["8s"].parent, settings_path)  # no images named: offered
    assert plain.notes.reopen_bar is not None and plain.notes.reopen_bar.isVisible()
    plain.close()
    named = start(qtbot, [str(image), "--device", "cpu"], family["8s"].parent, settings_path)
    assert named.notes.reopen_bar is not None and not named.notes.reopen_bar.isVisible()
    named.close()
