from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from fcn_studio.data import DatasetError, VOCDataset
from fcn_studio.palette import save_label_png
from fcn_studio.data.voc import find_voc_root


def test_items_are_the_written_pixels(voc_root, tiny):
    ds = VOCDataset(voc_root, "train")
    assert ds.ids == ["2007_000001", "2007_000002", "2008_000003"]
    assert ds.num_classes == 21 and ds.class_names[15] == "person"
    for i in range(3):
        image, label = ds[i]
        assert image.dtype == torch.uint8 and image.shape == (3, 6, 8)
        assert label.dtype == torch.int64 and label.shape == (6, 8)
        assert np.array_equal(image.permute(1, 2, 0).numpy(), tiny.image(i))
        assert np.array_equal(label.numpy(), tiny.label(i))
    assert label[0, 0] == 255
    assert ds.image_path(1).name == "2007_000002.png"
    assert ds.label_path(2) == voc_root / "SegmentationClass" / "2008_000003.png"
    assert "3 images" in repr(ds)


def test_voc_jpeg_images_and_vocdevkit_nesting(tmp_path, tiny):
    base = tiny.write_voc(tmp_path / "VOCdevkit" / "VOC2012", ["a", "b"], image_ext=".jpg")
    tiny.write_voc(tmp_path / "VOCdevkit" / "VOC2007", ["old"])
    assert find_voc_root(tmp_path) == base
    ds = VOCDataset(tmp_path, "train")
    assert ds.root == base and ds.ids == ["a", "b"]
    image, _ = ds[0]
    assert np.abs(image.permute(1, 2, 0).numpy().astype(int) - tiny.image(0)).mean() < 60  # JPEG, lossy


def test_custom_split_file_by_path(voc_root, tmp_path):
    seg11 = tmp_path / "seg11valid.txt"
    seg11.write_text("# the paper's list\n\n2008_000003\n2007_000001  extra-column\n")
    ds = VOCDataset(voc_root, str(seg11))
    assert ds.ids == ["2008_000003", "2007_000001"]
    assert ds.split_file == seg11


def test_classes_json_sets_names_and_palette(voc_root, tiny):
    (voc_root / "classes.json").write_text('{"class_names": ["bg", "thing"], "palette": [[1, 2, 3], [4, 5, 6]]}')
    labels = np.zeros((6, 8), np.uint8)
    labels[2:4, 2:6] = 1
    for name in ("2007_000001", "2007_000002", "2008_000003"):
        save_label_png(labels, voc_root / "SegmentationClass" / f"{name}.png")
    ds = VOCDataset(voc_root)
    assert ds.class_names == ["bg", "thing"] and ds.palette.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert int(ds[0][1].sum()) == 8


def test_missing_image_names_file_and_split_line(voc_root):
    (voc_root / "JPEGImages" / "2007_000002.png").unlink()
    with pytest.raises(DatasetError) as err:
        VOCDataset(voc_root, "train")
    assert "2007_000002.jpg" in str(err.value) and "line 2" in str(err.value) and "train.txt" in str(err.value)


def test_missing_label_names_file_and_split_line(voc_root):
    (voc_root / "SegmentationClass" / "2008_000003.png").unlink()
    with pytest.raises(DatasetError, match=r"2008_000003\.png.*line 3"):
        VOCDataset(voc_root, "train")


def test_label_values_outside_classes_name_the_label_file(voc_root):
    bad = np.zeros((6, 8), np.uint8)
    bad[1, 1], bad[2, 2] = 21, 200
    save_label_png(bad, voc_root / "SegmentationClass" / "2007_000002.png")
    ds = VOCDataset(voc_root)
    ds[0]
    with pytest.raises(DatasetError) as err:
        ds[1]
    assert err.value.path.endswith("2007_000002.png") and "21, 200" in str(err.value)


def test_size_mismatch_names_both_files(voc_root):
    save_label_png(np.zeros((5, 8), np.uint8), voc_root / "SegmentationClass" / "2007_000001.png")
    with pytest.raises(DatasetError) as err:
        VOCDataset(voc_root)[0]
    message = str(err.value)
    assert "SegmentationClass/2007_000001.png" in message and "JPEGImages/2007_000001.png" in message
    assert "8×5" in message and "8×6" in message


def test_unreadable_image_names_it(voc_root):
    (voc_root / "JPEGImages" / "2007_000001.png").write_bytes(b"not a png")
    with pytest.raises(DatasetError, match=r"2007_000001\.png: image unreadable"):
        VOCDataset(voc_root)[0]


def test_empty_split_is_an_error(voc_root):
    (voc_root / "ImageSets/Segmentation/empty.txt").write_text("\n# nothing\n")
    with pytest.raises(DatasetError, match=r"empty\.txt: split list is empty"):
        VOCDataset(voc_root, "empty")


def test_unknown_split_lists_the_available_ones(voc_root):
    with pytest.raises(DatasetError, match=r"val\.txt: no such split list; splits here: train"):
        VOCDataset(voc_root, "val")


def test_bad_root(tmp_path):
    with pytest.raises(DatasetError, match="no such folder") as err:
        VOCDataset(tmp_path / "nowhere")
    assert err.value.path == str(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    with pytest.raises(DatasetError, match="not a folder"):
        VOCDataset(tmp_path / "file")
    with pytest.raises(DatasetError, match="not a PASCAL VOC folder"):
        VOCDataset(tmp_path)


def test_rgb_image_in_label_folder_is_decoded_by_palette(voc_root):
    rgb = np.zeros((6, 8, 3), np.uint8)
    rgb[:, 4:] = (192, 128, 128)  # VOC colour of class 15, person
    Image.fromarray(rgb).save(voc_root / "SegmentationClass" / "2007_000001.png")
    label = VOCDataset(voc_root)[0][1]
    assert set(label.unique().tolist()) == {0, 15}


def test_find_voc_root_none_for_other_folders(tmp_path: Path):
    assert find_voc_root(tmp_path) is None
