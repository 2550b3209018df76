"""Photos with the shipped synthetic-scene models: a one-time note says why they come out as
background and offers File ▸ Import weights… (a GUI for `import-weights`) and Make a model."""

from pathlib import Path

import pytest
import torch
from PySide6.QtWidgets import QDialog

from fcn_studio.app.import_job import ImportWeightsJob, import_weights
from fcn_studio.app.note_rules import PHOTO_NOTE_KEY
from fcn_studio.engine import read_info
from fcn_studio.errors import WeightFileError
from fcn_studio.gui.import_dialog import ImportDialog
from fcn_studio.paths import models_dir, sample_images
from tests.compact_models import write_family, write_image
from tests.engine.test_fcn import randomised
from tests.gui.conftest import make_window, wait_idle
from fcn_studio.app.annotate.workspace import new_label_set

WAIT_MS = 60_000


@pytest.fixture
def shipped(qtbot, tmp_path):
    window = make_window(qtbot, models_dir(), tmp_path / "settings.ini")
    yield window
    window.close()


def test_a_sample_scene_gets_no_note(qtbot, shipped):
    shipped.opener.open_paths([sample_images()[0]])
    wait_idle(qtbot, shipped)
    assert shipped.notes.photo_bar is None


def test_a_photo_gets_the_note_once_with_its_offers(qtbot, shipped, tmp_path, monkeypatch):
    photo = write_image(tmp_path / "cat.png", size=64)
    shipped.opener.open_paths([photo])
    wait_idle(qtbot, shipped, "cat.png")
    bar = shipped.notes.photo_bar
    assert bar is not None and bar.isVisible()
    assert "learned only synthetic scenes (16 classes" in bar.message.text()
    assert list(bar.buttons) == ["Import weights…", "Make a model for your own images", "Don't show again"]
    shipped.grab().save(str(tmp_path / "photo-note.png"))

    asked = []
    monkeypatch.setattr(ImportDialog, "exec", lambda dialog: asked.append(dialog) or QDialog.DialogCode.Rejected)
    bar.buttons["Import weights…"].click()
    assert asked and not bar.isVisible()  # the note goes; the dialog came up
    shipped.opener.open_paths([write_image(tmp_path / "dog.png", size=64, seed=1)])
    wait_idle(qtbot, shipped, "dog.png")
    assert shipped.notes.photo_bar is bar and not bar.isVisible()  # once per launch


def test_the_note_goes_when_the_users_own_model_is_shown(qtbot, shipped, tmp_path):
    """#30 item 4: the note belongs to the shipped models; the user's own model is not one."""
    shipped.opener.open_paths([write_image(tmp_path / "cat.png", size=64)])
    wait_idle(qtbot, shipped, "cat.png")
    bar = shipped.notes.photo_bar
    assert bar.isVisible() and shipped.view_model.entry.shipped
    own = write_family(tmp_path / "mine")["8s"]
    shipped.view_model.model = shipped.view_model.add_model_file(own)
    assert not shipped.view_model.entry.shipped and not bar.isVisible()
    shipped.view_model.model = shipped.session.catalog.default()
    assert not bar.isVisible()  # once per launch


def test_make_a_model_button_triggers_the_named_action(qtbot, shipped, tmp_path):
    shipped.opener.open_paths([write_image(tmp_path / "cat.png", size=64)])
    wait_idle(qtbot, shipped, "cat.png")
    action = shipped.actions.make_model_action
    assert action.text().replace("&", "") == "Make a model for your own images"
    assert action.objectName() == "make_model_action" and action in shipped.menuBar().actions()[0].menu().actions()
    asked = []
    shipped.annotate.ask_folder = lambda parent, title: asked.append(title) or str(tmp_path / "cats")
    shipped.annotate.ask_label_set = lambda: new_label_set(["background", "cat"])
    shipped.annotate.ask_images = lambda parent, images, shown: [shown]  # the checklist's default: the shown one
    with qtbot.waitSignal(shipped.make_model_requested, timeout=1000):
        shipped.notes.photo_bar.buttons["Make a model for your own images"].click()
    project = shipped.annotate.state.project  # the button started an annotation project of the open photo
    assert asked == ["New annotation project: choose an empty folder"]
    assert project is not None and project.root == tmp_path / "cats" and list(project.classes.names) == ["background", "cat"]
    assert [Path(project.image_path(name)).name for name in project.names] == ["cat.png"]


def test_dont_show_again_is_remembered(qtbot, tmp_path):
    window = make_window(qtbot, models_dir(), tmp_path / "settings.ini")
    window.opener.open_paths([write_image(tmp_path / "cat.png", size=64)])
    wait_idle(qtbot, window, "cat.png")
    window.notes.photo_bar.buttons["Don't show again"].click()
    assert str(window.settings.value(PHOTO_NOTE_KEY)) == "true"
    window.close()
    again = make_window(qtbot, models_dir(), tmp_path / "settings.ini")
    again.opener.open_paths([write_image(tmp_path / "dog.png", size=64)])
    wait_idle(qtbot, again, "dog.png")
    assert again.notes.photo_bar is None
    again.close()


def test_a_model_of_other_data_gets_no_note(qtbot, window, tmp_path):
    window.opener.open_paths([write_image(tmp_path / "cat.png", size=64)])
    wait_idle(qtbot, window, "cat.png")
    assert window.notes.photo_bar is None


@pytest.fixture
def pth(tmp_path):
    path = tmp_path / "fcn32s_from_caffe.pth"
    torch.save(randomised("fcn32s", num_classes=21).state_dict(), path)
    return path


def test_import_weights_adds_the_model_to_the_picker_and_shows_it(qtbot, window, pth, tmp_path):
    dst = tmp_path / "mine" / "voc-fcn32s.safetensors"
    window.importer.start(pth, None, dst)
    qtbot.waitUntil(lambda: window.importer.last is not None, timeout=WAIT_MS)
    assert read_info(dst).arch == "fcn32s" and read_info(dst).num_classes == 21
    picker = [window.actions.model_combo.itemText(i) for i in range(window.actions.model_combo.count())]
    assert any(text.endswith("voc-fcn32s.safetensors") for text in picker)
    assert window.view_model.entry.path == dst.resolve()
    assert "imported_from" in read_info(dst).notes and "FCN-32s" in window.model_card.toPlainText()


def test_import_failures_are_one_line_naming_the_file(qtbot, window, pth, tmp_path):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    window.importer.start(junk, None, tmp_path / "junk.safetensors")
    qtbot.waitUntil(lambda: bool(window.errors.messages), timeout=WAIT_MS)
    message = window.errors.messages[0]
    assert "junk.pth" in message and "\n" not in message
    window.errors.messages.clear()
    taken = tmp_path / "taken.safetensors"
    taken.write_bytes(b"x")
    window.importer.start(pth, None, taken)
    qtbot.waitUntil(lambda: bool(window.errors.messages), timeout=WAIT_MS)
    assert window.errors.messages[0] == f"{taken}: already exists; choose another name"
    assert window.isVisible()


def test_the_dialog_names_the_output_after_the_source(qtbot, tmp_path):
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    assert not dialog.import_button.isEnabled()
    dialog.source.setText(str(tmp_path / "fcn8s-heavy-pascal.caffemodel"))
    assert dialog.import_button.isEnabled()
    dialog.folder.setCurrentText(str(tmp_path / "models"))
    dialog.arch.setCurrentIndex(dialog.arch.findData("fcn8s"))
    assert dialog.chosen() == (tmp_path / "fcn8s-heavy-pascal.caffemodel", "fcn8s",
                               tmp_path / "models" / "fcn8s-heavy-pascal.safetensors")
    dialog.name.setText("voc8s")
    assert dialog.chosen()[2] == tmp_path / "models" / "voc8s.safetensors"


def test_import_weights_is_the_clis_function(tmp_path, pth):
    done = import_weights(pth, tmp_path / "a.safetensors")
    assert done.path == tmp_path / "a.safetensors" and done.info.arch == "fcn32s"
    assert done.summary().endswith("(fcn32s, 21 classes, input BGR)")
    with pytest.raises(WeightFileError, match="must be a .safetensors file"):
        import_weights(pth, tmp_path / "a.bin")
    job = ImportWeightsJob(pth, tmp_path / "b" / "c.safetensors")
    assert job.lane.value == "open"
