"""The project is the user's choice, in the real window: which open images join, painting outside asks,
the image list says what the project knows of each image, images leave the project with their files kept."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from fcn_studio.app.annotate.workspace import new_label_set
from fcn_studio.gui.join_images_dialog import JoinImagesDialog, ask_images
from tests.gui.conftest import wait_idle
from tests.gui.test_annotate_painting import drag, photo, wait_saved


def test_ask_images_asks_only_when_images_are_open(qtbot, window, tmp_path, monkeypatch):
    assert ask_images(window, [], None) == []  # nothing open: no question
    window.opener.open_paths([photo(tmp_path / "a.png", seed=1), photo(tmp_path / "b.png", seed=2)])
    wait_idle(qtbot, window, "b.png")
    vm = window.view_model
    monkeypatch.setattr(JoinImagesDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    assert [i.name for i in ask_images(window, vm.session.images, vm.session.images[0])] == ["a.png"]
    monkeypatch.setattr(JoinImagesDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert ask_images(window, vm.session.images, vm.image) is None  # cancelled: no project


def test_only_chosen_images_join_and_a_stray_stroke_outside_asks_first(qtbot, window, tmp_path):
    window.opener.open_paths([photo(tmp_path / "a.png", seed=1), photo(tmp_path / "b.png", seed=2)])
    wait_idle(qtbot, window, "b.png")
    vm, control = window.view_model, window.annotate
    dialog = JoinImagesDialog(vm.session.images, vm.image)  # what "Make a model…" asks
    qtbot.addWidget(dialog)
    assert [dialog.list.item(k).checkState() for k in range(2)] == [Qt.CheckState.Unchecked, Qt.CheckState.Checked]
    assert [image.name for image in dialog.chosen()] == ["b.png"]  # by default only the shown image
    project = control.create_project(tmp_path / "proj", new_label_set(["background", "red"]), dialog.chosen())
    assert project.names == ["b"]

    asked = []
    control.confirm = lambda title, text: asked.append(text) or False
    vm.image = vm.session.images[0]  # a.png, not in the project
    control.state.radius = 2.0
    window.image_view.pane.fit()
    drag(window, [(10.5, 40.5), (30.5, 40.5)])
    assert len(asked) == 1 and "a.png is not in the project proj" in asked[0]
    assert project.names == ["b"] and control.state.annotation is None  # "No": nothing joined, nothing painted
    assert not (project.root / "train.txt").exists()
    control.confirm = lambda title, text: True
    control.state.label = 1
    drag(window, [(10.5, 40.5), (30.5, 40.5)])  # the press asks; the stroke after "Yes" paints
    drag(window, [(10.5, 40.5), (30.5, 40.5)])
    wait_saved(qtbot, window)
    assert project.names == ["a", "b"] and (control.state.annotation.labels[40, 12:29] == 1).all()

    rows = window.image_list
    painted = 100 * project.painted_fraction("a")
    assert rows.item(0).text() == f"a.png\n    {painted:.0f} % painted"
    control.panel.held_out.setChecked(True)
    control.panel.fully_painted.setChecked(True)
    assert project.is_fully_painted("a") and project.dense_test_names() == ["a"]
    assert rows.item(0).text().endswith("% painted · test · fully painted")
    assert project.training_names() == []  # a held-out image never enters training

    assert rows.item(0).toolTip().endswith("test · fully painted")
    menus = []
    rows.pick = lambda menu, at: menus.append([a.text() for a in menu.actions()]) or menu.actions()[0]
    rows._menu(rows.visualItemRect(rows.item(0)).center())  # the row's context menu: "Remove from the project"
    assert menus == [[rows.REMOVE]]
    kept = project.root / "removed"
    assert (kept / "images" / "a.png").is_file() and project.names == ["b"] and (tmp_path / "a.png").is_file()
    assert rows.item(0).text() == "a.png" and not (project.root / "val.txt").exists()


def test_a_new_projects_folder_may_be_typed_new_and_an_opened_one_must_exist(window):
    """Walk-through bug: Qt's folder dialog answered a typed new project folder with "Directory not
    found"; a new project asks with the dialog that makes the folder, opening one with Qt's own."""
    from fcn_studio.gui.folder_dialog import ask_output_folder

    control = window.annotate
    assert control.ask_folder is ask_output_folder
    assert control.ask_existing_folder is not ask_output_folder
