"""A model's own images for the reduced-precision gate: scenes, or the dataset its run recorded."""

import dataclasses

import numpy as np
from PIL import Image

from fcn_studio.data.own_images import MAX_SIDE, own_images, scaled
from fcn_studio.engine.model_info import to_input

from tests.compact_models import compact_model

from .conftest import write_voc


def with_notes(model, **notes):
    model.info = dataclasses.replace(model.info, notes={**model.info.notes, **notes})
    return model


def test_a_trained_models_dataset_gives_its_images_held_out_split_first(tmp_path):
    root = write_voc(tmp_path / "voc", [f"2007_{i:06d}" for i in range(6)], split="train")
    (root / "ImageSets/Segmentation/val.txt").write_text("2007_000004\n2007_000005\n")
    model = with_notes(compact_model("fcn8s"), data=str(root), train_split="train", val_split="val")
    data = own_images(model)
    assert data is not None and str(root) in data.source
    assert len(data.images) + len(data.held_out) == 6  # val's two first, then train's four not yet taken
    first = np.array(Image.open(root / "JPEGImages" / "2007_000004.png"))
    np.testing.assert_array_equal(data.images[0], to_input(first, model.info.input).numpy())


def test_an_annotation_projects_damaged_image_costs_only_that_image(tmp_path):
    root = write_voc(tmp_path / "voc", [f"2007_{i:06d}" for i in range(3)], split="train")
    (root / "JPEGImages" / "2007_000001.png").write_bytes(b"not a png")
    model = with_notes(compact_model("fcn8s"), data=str(root), train_split="train", val_split="")
    data = own_images(model)
    assert data is not None and len(data.images) + len(data.held_out) == 2


def test_models_without_a_dataset_on_disk_have_no_own_images(tmp_path):
    assert own_images(compact_model("fcn8s")) is None  # no notes["data"]
    gone = with_notes(compact_model("fcn8s"), data=str(tmp_path / "moved away"), train_split="train")
    assert own_images(gone) is None
    empty = tmp_path / "empty"
    empty.mkdir()
    assert own_images(with_notes(compact_model("fcn8s"), data=str(empty), train_split="train")) is None


def test_shipped_scene_models_keep_their_scenes():
    from fcn_studio.engine import open_model
    from fcn_studio.paths import models_dir

    data = own_images(open_model(models_dir() / "fcn8s.safetensors"))
    assert data is not None and data.source.startswith("synthetic scenes")


def test_large_photos_are_scaled_for_the_gate():
    photo = np.zeros((1200, 900, 3), np.uint8)
    assert scaled(photo).shape == (MAX_SIDE, MAX_SIDE * 900 // 1200, 3)
    small = np.zeros((100, 80, 3), np.uint8)
    assert scaled(small) is small


def test_an_annotation_projects_images_count_whether_painted_or_not(tmp_path):
    from fcn_studio.palette import save_label_png

    from .conftest import image_array, label_array

    root = tmp_path / "project"
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(3):
        Image.fromarray(image_array(i, 40, 50)).save(root / "images" / f"field{i}.png")
        save_label_png(label_array(i, 40, 50, classes=4), root / "masks" / f"field{i}.png")
    (root / "train.txt").write_text("field2\n")  # only one image painted so far
    model = with_notes(compact_model("fcn8s"), data=str(root), train_split="train", val_split="")
    data = own_images(model)
    assert data is not None and len(data.images) + len(data.held_out) == 3
