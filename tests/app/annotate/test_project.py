"""The annotation project folder: what is on disk after each edit, and what survives bad input."""

import errno
import os
import stat

import numpy as np
import pytest
from PIL import Image

from fcn_studio.app.annotate import project as project_module
from fcn_studio.app.annotate.project import AnnotationProject
from fcn_studio.errors import ClassInUse, MaskProblem, SettingsError
from fcn_studio.data.classes import ClassList, read_classes_json
from fcn_studio.data.folder import FolderDataset

CLASSES = ClassList(("background", "cat", "dog"), np.array([[0, 0, 0], [200, 0, 0], [0, 200, 0]], np.uint8))


def photo(path, w=12, h=8, seed=0):
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path)
    return path


def on_disk(project, name):
    return np.array(Image.open(project.mask_path(name)))


@pytest.fixture
def proj(tmp_path):
    project = AnnotationProject.create(tmp_path / "proj", CLASSES)
    project.add_image(photo(tmp_path / "my cat.jpg"))
    project.add_image(photo(tmp_path / "dog.png", 10, 6, 1))
    return project


def test_added_images_get_blank_masks_and_names_without_spaces(proj, tmp_path):
    assert proj.names == ["dog", "my_cat"]
    assert proj.add_image(tmp_path / "dog.png") == "dog-2"
    assert (on_disk(proj, "my_cat") == 255).all() and on_disk(proj, "my_cat").shape == (8, 12)
    assert Image.open(proj.mask_path("dog")).mode == "P"
    assert {stat.S_IMODE(p.stat().st_mode) for p in (proj.mask_path("dog"), proj.image_path("dog"),
                                                      proj.root / "classes.json")} == {0o644}
    with pytest.raises(project_module.FileProblem, match="no such file"):
        proj.add_image(tmp_path / "missing.jpg")


def test_a_saved_stroke_is_on_disk_and_reopening_restores_it(proj):
    ann = proj.annotation("my_cat")
    ann.paint([(2.5, 2.5), (8.5, 2.5)], 1, 1.0)
    assert not proj.is_saved("my_cat") and (on_disk(proj, "my_cat") == 255).all()
    assert proj.save("my_cat") == proj.mask_path("my_cat")
    np.testing.assert_array_equal(on_disk(proj, "my_cat"), ann.labels)
    assert proj.is_saved("my_cat") and proj.training_names() == ["my_cat"]
    proj.set_held_out("dog", True)
    again = AnnotationProject.open(proj.root)
    np.testing.assert_array_equal(again.annotation("my_cat").labels, ann.labels)
    assert again.is_held_out("dog") and not again.is_held_out("my_cat")
    assert (proj.root / "train.txt").read_text() == "my_cat\n" and (proj.root / "val.txt").read_text() == "dog\n"
    ann.undo()
    proj.save("my_cat")
    assert (on_disk(proj, "my_cat") == 255).all() and not (proj.root / "train.txt").exists()
    photo(proj.root / "images" / "dropped.png", 5, 4)  # put into images/ by hand
    assert (on_disk(AnnotationProject.open(proj.root), "dropped") == 255).all()
    with pytest.raises(project_module.DatasetError, match="not an annotation project"):
        AnnotationProject.open(proj.root / "images")


def test_the_folder_dataset_reads_the_project_unchanged(proj):
    proj.annotation("my_cat").paint([(3.5, 3.5)], 2, 1.5)
    proj.annotation("dog").paint([(1.5, 1.5)], 1, 1.5)
    proj.save("my_cat")
    proj.save("dog")
    proj.set_held_out("dog", True)
    train, val, every = (FolderDataset(proj.root, s) for s in ("train", "val", "all"))
    assert train.ids == ["my_cat"] and val.ids == ["dog"] and len(every) == 2
    assert train.class_names == ["background", "cat", "dog"]
    image, label = train[0]
    assert image.shape == (3, 8, 12) and int((label == 2).sum()) == 9 and int((label == 255).sum()) == 87
    proj.set_held_out("dog", False)
    assert proj.training_names() == ["dog", "my_cat"] and not (proj.root / "val.txt").exists()


def test_a_full_disk_keeps_the_old_mask_and_the_annotation(proj, monkeypatch):
    ann = proj.annotation("my_cat")
    ann.paint([(2.5, 2.5)], 1, 0.5)
    proj.save("my_cat")
    before = proj.mask_path("my_cat").read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(project_module, "label_png", full)
    ann.paint([(5.5, 5.5)], 2, 0.5)  # the edit itself works; only its save fails
    assert ann.labels[5, 5] == 2
    with pytest.raises(MaskProblem) as failed:
        proj.save("my_cat")
    problem = failed.value
    assert proj.mask_path("my_cat").read_bytes() == before
    assert problem.path == str(proj.mask_path("my_cat")) and "No space left" in problem.reason
    assert proj.unsaved["my_cat"] is problem and "kept in memory" in problem.reason and not proj.is_saved("my_cat")
    assert not [p for p in proj.mask_path("my_cat").parent.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    ann.paint([(7.5, 5.5)], 2, 0.5)
    proj.save("my_cat")
    np.testing.assert_array_equal(on_disk(proj, "my_cat"), ann.labels)
    assert proj.unsaved == {}


def test_a_read_only_mask_is_not_overwritten(proj):
    path = proj.mask_path("dog")
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    ann = proj.annotation("dog")
    ann.paint([(1.5, 1.5)], 1, 0.5)
    with pytest.raises(MaskProblem, match="read-only"):
        proj.save("dog")
    assert "read-only" in proj.unsaved["dog"].reason and (on_disk(proj, "dog") == 255).all()
    with pytest.raises(MaskProblem, match="read-only"):
        proj.save("dog")
    os.chmod(path, 0o644)
    assert proj.save("dog") == path and on_disk(proj, "dog")[1, 1] == 1


def test_corrupt_and_resized_masks_are_reported_and_set_aside(proj, tmp_path):
    proj.mask_path("dog").write_bytes(b"\x89PNG garbage")
    with pytest.raises(MaskProblem, match="unreadable") as corrupt:
        proj.annotation("dog")
    assert corrupt.value.path == str(proj.mask_path("dog"))
    photo(proj.image_path("my_cat"), 20, 8)  # the user replaced the image by a wider one
    with pytest.raises(MaskProblem) as resized:
        proj.annotation("my_cat")
    assert "is 12×8 but its image" in resized.value.reason and str(proj.image_path("my_cat")) in resized.value.reason
    assert len(proj.check()) == 2
    kept = proj.set_aside("dog")
    assert kept.read_bytes() == b"\x89PNG garbage" and (proj.annotation("dog").labels == 255).all()
    assert [p.path for p in proj.check()] == [str(proj.mask_path("my_cat"))]


def test_class_edits_and_a_refused_then_unlabelled_delete(proj):
    assert proj.add_class("bird") == 3
    proj.rename_class("dog", "puppy")
    proj.recolour_class("bird", (1, 2, 3))
    on_file = read_classes_json(proj.root / "classes.json")
    assert on_file.names == ("background", "cat", "puppy", "bird") and on_file.palette[3].tolist() == [1, 2, 3]
    with pytest.raises(SettingsError, match="already a class"):
        proj.add_class("cat")
    ann = proj.annotation("my_cat")
    ann.paint([(1.5, 1.5)], 1, 0.5)
    ann.paint([(3.5, 1.5)], 3, 0.5)
    proj.save("my_cat")
    with pytest.raises(ClassInUse, match="used by 1 masks: my_cat \\(1 px\\)"):
        proj.delete_class("cat")
    assert read_classes_json(proj.root / "classes.json").names[1] == "cat"  # nothing changed
    assert proj.delete_class("cat", unlabel=True) == {"my_cat": 1}
    assert proj.classes.names == ("background", "puppy", "bird")
    assert ann.labels[1, 1] == 255 and ann.labels[1, 3] == 2 and on_disk(proj, "my_cat")[1, 3] == 2
    assert proj.delete_class("puppy") == {}  # unused: deleted at once
    assert on_disk(proj, "my_cat")[1, 3] == 1 and proj.classes.names == ("background", "bird")


def test_a_removed_image_leaves_the_lists_and_the_datasets_with_its_files_kept(proj):
    proj.annotation("dog").paint([(1.5, 1.5)], 1, 1.5)
    proj.save("dog")
    proj.set_held_out("my_cat", True)
    image = proj.image_path("dog").read_bytes()
    kept = proj.remove_image("dog")
    assert proj.names == ["my_cat"] and proj.training_names() == [] and proj.held_out_names() == ["my_cat"]
    assert kept == proj.root / "removed" and (kept / "images" / "dog.png").read_bytes() == image
    assert np.array(Image.open(kept / "masks" / "dog.png"))[1, 1] == 1
    assert not (proj.root / "train.txt").exists() and FolderDataset(proj.root, "all").ids == ["my_cat"]
    assert AnnotationProject.open(proj.root).names == ["my_cat"]
    with pytest.raises(KeyError):
        proj.remove_image("dog")


def test_rounds_are_numbered_folders_and_their_models_are_found(proj):
    assert proj.next_round_dir() == proj.root / "rounds" / "round-001"
    (proj.root / "rounds" / "round-001").mkdir(parents=True)
    (proj.root / "rounds" / "round-003").mkdir()
    (proj.root / "rounds" / "round-003" / "best.safetensors").write_bytes(b"x")
    assert proj.next_round_dir().name == "round-002"
    assert proj.round_models() == [proj.root / "rounds" / "round-003" / "best.safetensors"]


def test_fully_painted_flags_live_in_the_folder_and_leave_with_the_image(tmp_path):
    proj = AnnotationProject.create(tmp_path / "flags", CLASSES)
    for k in range(2):
        Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(tmp_path / f"f{k}.png")
        proj.add_image(tmp_path / f"f{k}.png")
    proj.annotation("f0").paint([(1.0, 1.0)], 1, 1.0)
    assert proj.painted_fraction("f0") == 4 / 48 and proj.painted_fraction("f1") == 0.0
    proj.set_fully_painted("f0", True)
    proj.set_fully_painted("f1", True)
    assert proj.dense_test_names() == [] and not (proj.root / "val-dense.txt").exists()  # none is held out
    proj.set_held_out("f1", True)
    assert (proj.root / "val-dense.txt").read_text() == "f1\n"
    again = AnnotationProject.open(proj.root)
    assert again.is_fully_painted("f0") and again.dense_test_names() == ["f1"]
    again.remove_image("f1")
    assert (again.root / "fully_painted.txt").read_text() == "f0\n" and not (again.root / "val-dense.txt").exists()
    with pytest.raises(KeyError):
        again.set_fully_painted("f1", True)
