"""Issue 16, items 15, 16, 18: 16-bit images, every missing file of a split, bare image folders."""

import logging

import numpy as np
import pytest
from PIL import Image

from fcn_studio.data.detect import open_dataset
from fcn_studio.errors import DatasetError
from fcn_studio.images import load_image
from fcn_studio.palette import save_label_png
from fcn_studio.training import TrainConfig, train
from tests.training.conftest import colour_scene, quick_recipe

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def test_a_dark_16_bit_image_stays_dark(tmp_path):
    """Values ≤ 255 in a 16-bit file are under 0.4 % of full scale, not full-scale 8-bit values."""
    values = np.array([[0, 128, 200, 255]], np.uint16)
    path = tmp_path / "dark16.png"
    Image.fromarray(values).save(path)
    assert Image.open(path).mode == "I;16"
    np.testing.assert_array_equal(load_image(path)[0, :, 0], [0, 0, 1, 1])
    np.testing.assert_array_equal(load_image(values)[0, :, 0], [0, 0, 1, 1])
    np.testing.assert_array_equal(load_image(np.array([[0, 65535]], np.uint16))[0, :, 0], [0, 255])
    np.testing.assert_array_equal(load_image(np.array([[0, 255]], np.uint8))[0, :, 0], [0, 255])


def write_folder(root, n, lists=None):
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i in range(n):
        image, label = colour_scene(i, 32)
        Image.fromarray(image).save(root / "images" / f"s{i:02d}.png")
        save_label_png(label, root / "masks" / f"s{i:02d}.png")
    for name, ids in (lists or {}).items():
        (root / f"{name}.txt").write_text("".join(f"{i}\n" for i in ids))
    return root


def test_every_missing_image_of_a_split_is_named(tmp_path):
    root = write_folder(tmp_path / "set", 3, {"train": ["s00", "gone1", "s01", "gone2"]})
    with pytest.raises(DatasetError) as err:
        open_dataset(root, "train")
    text = str(err.value)
    assert text.startswith(f"{root / 'images' / 'gone1.png'}: image missing")
    assert "line 2 of" in text and "2 files listed in" in text
    assert f"{root / 'images' / 'gone2.png'}: image missing" in text and "line 4 of" in text


def test_a_bare_folder_holds_out_one_image_in_ten_for_validation(tmp_path, caplog):
    root = write_folder(tmp_path / "set", 23)
    with caplog.at_level(logging.INFO):
        train_set, val_set = open_dataset(root, "train"), open_dataset(root, "val")
    assert val_set.ids == ["s09", "s19"] and len(train_set) == 21 and not set(train_set.ids) & set(val_set.ids)
    assert "no split lists" in caplog.text and "1 in 10" in caplog.text
    assert open_dataset(root, "val").ids == val_set.ids  # deterministic
    tiny = write_folder(tmp_path / "tiny", 3)
    assert open_dataset(tiny, "val").ids == ["s02"] and open_dataset(tiny, "train").ids == ["s00", "s01"]


def test_a_bare_folder_trains_under_the_default_splits(tmp_path):
    root = write_folder(tmp_path / "set", 6)
    cfg = TrainConfig(data=str(root), out=str(tmp_path / "run"), recipe=quick_recipe(iterations=2, eval_every=2),
                      width=0.0625, device="cpu")
    [done] = train(cfg)
    assert done.status == "done" and done.metrics["images"] == 1


def test_lists_still_win_over_the_hold_out(tmp_path):
    root = write_folder(tmp_path / "set", 4, {"train": ["s00", "s01"]})
    assert open_dataset(root, "train").ids == ["s00", "s01"]
    with pytest.raises(DatasetError, match="no such split list"):
        open_dataset(root, "val")
