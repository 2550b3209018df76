"""Class edits and bad input in the real window: classes.json, a read-only, corrupt or full-disk mask,
a class deleted while masks use it — one-line messages naming the file, nothing lost."""

import errno
import os
import stat

import numpy as np
import pytest
from PIL import Image

from fcn_studio.app.annotate import project as project_module
from fcn_studio.app.annotate.workspace import new_label_set
from fcn_studio.data.classes import read_classes_json
from tests.gui.conftest import wait_idle
from tests.gui.test_annotate_painting import colour_at, drag, on_disk, photo, wait_saved


@pytest.fixture
def project(qtbot, window, tmp_path):
    window.opener.open_paths([photo(tmp_path / "one.png"), photo(tmp_path / "two.png", seed=1)])
    wait_idle(qtbot, window, "two.png")
    control = window.annotate
    made = control.create_project(tmp_path / "proj", new_label_set(["background", "cat", "dog"]), window.view_model.session.images)
    control.state.radius, control.state.label = 2.0, 1
    window.image_view.pane.fit()
    return made


def test_class_editor_adds_renames_recolours_and_deletes_into_classes_json(qtbot, window, project):
    editor = window.annotate.edit_classes()
    qtbot.addWidget(editor)
    editor.ask_name = lambda parent, title, text: "bird"
    editor.add()
    assert read_classes_json(project.root / "classes.json").names == ("background", "cat", "dog", "bird")
    assert window.annotate.panel.label.count() == 4 and editor.list.count() == 4
    editor.list.setCurrentRow(2)
    editor.ask_name = lambda parent, title, text: "puppy"
    editor.rename()
    editor.pick_colour = lambda parent, colour: (1, 2, 3)
    editor.recolour()
    on_file = read_classes_json(project.root / "classes.json")
    assert on_file.names[2] == "puppy" and on_file.palette[2].tolist() == [1, 2, 3]
    editor.ask_name = lambda parent, title, text: "cat"
    editor.add()
    assert "already a class named 'cat'" in editor.message.text()
    editor.list.setCurrentRow(3)
    editor.delete()  # unused: no question
    assert read_classes_json(project.root / "classes.json").names == ("background", "cat", "puppy")
    assert window.annotate.state.class_names == ["background", "cat", "puppy"]


def test_deleting_a_class_in_use_asks_with_pixels_and_images(qtbot, window, project):
    state = window.annotate.state
    drag(window, [(10.5, 10.5), (20.5, 10.5)])
    state.label = 2
    drag(window, [(10.5, 30.5)])
    wait_saved(qtbot, window)
    used = int((state.annotation.labels == 1).sum())
    editor = window.annotate.edit_classes()
    qtbot.addWidget(editor)
    asked = []
    editor.confirm = lambda parent, title, text: asked.append(text) or False
    editor.list.setCurrentRow(1)
    editor.delete()
    assert f"{used:,} px in 1 image" in asked[0] and "kept 'cat'" in editor.message.text()
    assert read_classes_json(project.root / "classes.json").names == ("background", "cat", "dog")
    editor.confirm = lambda parent, title, text: True
    editor.delete()
    assert read_classes_json(project.root / "classes.json").names == ("background", "dog")
    labels = on_disk(project, state.name)
    assert (labels == 1).sum() == (state.annotation.labels == 1).sum() > 0  # dog moved down to 1
    assert (state.annotation.labels == 255).sum() == labels.size - (labels == 1).sum()
    assert colour_at(window.annotate.layer, 10, 30)[:3] == tuple(project.classes.palette[1])


def test_a_read_only_mask_is_reported_once_by_name_and_saved_when_writable_again(qtbot, window, project):
    state = window.annotate.state
    path = project.mask_path(state.name)
    before = path.read_bytes()
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    drag(window, [(10.5, 10.5), (20.5, 10.5)])
    qtbot.waitUntil(lambda: bool(window.errors.messages), timeout=30_000)
    drag(window, [(10.5, 20.5), (20.5, 20.5)])
    qtbot.waitUntil(lambda: state.name in project.unsaved and not window.runner.busy(), timeout=30_000)
    assert len(window.errors.messages) == 1 and str(path) in window.errors.messages[0]
    assert "read-only" in window.errors.messages[0] and "\n" not in window.errors.messages[0]
    assert path.read_bytes() == before and state.annotation.labels[10, 15] == 1  # nothing lost
    assert "not saved" in window.annotate.panel.status.text()
    os.chmod(path, 0o644)
    drag(window, [(40.5, 40.5)])
    wait_saved(qtbot, window)
    np.testing.assert_array_equal(on_disk(project, state.name), state.annotation.labels)
    assert "saved again" in window.annotate.panel.status.text()


def test_a_full_disk_keeps_the_old_mask_and_the_strokes(qtbot, window, project, monkeypatch):
    state = window.annotate.state
    path = project.mask_path(state.name)
    before = path.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(project_module, "label_png", full)
    drag(window, [(10.5, 10.5), (30.5, 10.5)])
    qtbot.waitUntil(lambda: bool(window.errors.messages) and not window.runner.busy(), timeout=30_000)
    message = window.errors.messages[0]
    assert message.startswith(str(path)) and "No space left on device" in message and "kept in memory" in message
    assert path.read_bytes() == before and (state.annotation.labels[10, 10:31] == 1).all()
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    drag(window, [(40.5, 40.5)])
    wait_saved(qtbot, window)
    assert (on_disk(project, state.name)[10, 10:31] == 1).all()


def test_a_corrupt_mask_is_named_and_set_aside_only_when_asked(qtbot, window, project, tmp_path):
    control = window.annotate
    path = project.mask_path("one")  # not opened yet: the shown image is two
    path.write_bytes(b"\x89PNG not really")
    control.confirm = lambda title, text: False
    window.view_model.image = window.view_model.session.images[0]
    assert control.state.name == "one" and control.state.annotation is None
    assert window.errors.messages[-1].startswith(str(path)) and "unreadable" in window.errors.messages[-1]
    drag(window, [(10.5, 10.5)])
    assert path.read_bytes() == b"\x89PNG not really" and "cannot be used" in control.panel.status.text()
    control.confirm = lambda title, text: True
    control.show_image(window.view_model.image)
    assert (control.state.annotation.labels == 255).all()
    assert path.with_name(path.name + ".broken").read_bytes() == b"\x89PNG not really"
    reopened = control.open_project(project.root)
    assert reopened is not None and Image.open(path).size == (64, 48)


def test_closing_with_unsaved_strokes_asks_first(qtbot, window, project):
    state = window.annotate.state
    os.chmod(project.mask_path(state.name), stat.S_IRUSR)
    drag(window, [(10.5, 10.5)])
    qtbot.waitUntil(lambda: state.name in project.unsaved and not window.runner.busy(), timeout=30_000)
    asked = []
    window.annotate.confirm = lambda title, text: asked.append(text) or False
    window.close()
    assert window.isVisible() and str(project.mask_path(state.name)) in asked[0]
    os.chmod(project.mask_path(state.name), 0o644)
    project.unsaved.clear()
    assert window.annotate.may_close() and (on_disk(project, state.name)[10, 10] == 1)
