import numpy as np
import pytest
from PIL import Image

from fcn_studio.data import DatasetError, FolderDataset
from fcn_studio.data.folder import is_image_folder, pair_in, split_pairs


def write_pairs(folder, names, mask_dir="masks", mask_suffix="", value=1):
    (folder / "images").mkdir(parents=True)
    (folder / mask_dir).mkdir()
    for k, name in enumerate(names):
        Image.fromarray(np.full((4, 5, 3), 40 * k, np.uint8)).save(folder / "images" / f"{name}.jpg")
        label = np.zeros((4, 5), np.uint8)
        label[:, k % 5] = value
        Image.fromarray(label, mode="L").save(folder / mask_dir / f"{name}{mask_suffix}.png")


def test_all_images_matched_by_stem(tmp_path):
    write_pairs(tmp_path, ["cat", "dog"])
    ds = FolderDataset(tmp_path)
    assert ds.ids == ["cat", "dog"] and ds.num_classes == 21
    image, label = ds[1]
    assert image.shape == (3, 4, 5) and label.tolist() == [[0, 1, 0, 0, 0]] * 4
    assert ds.image_path(0).name == "cat.jpg" and ds.label_path(0).name == "cat.png"
    assert is_image_folder(tmp_path) and pair_in(tmp_path).masks.name == "masks"


def test_labels_folder_and_mask_suffix(tmp_path):
    write_pairs(tmp_path, ["a"], mask_dir="labels", mask_suffix="_mask")
    assert FolderDataset(tmp_path).label_path(0).name == "a_mask.png"


def test_list_files_choose_the_split(tmp_path):
    write_pairs(tmp_path, ["a", "b", "c"])
    (tmp_path / "train.txt").write_text("a\nc.jpg\n")
    (tmp_path / "val.txt").write_text("b\n")
    assert FolderDataset(tmp_path, "train").ids == ["a", "c"]
    assert FolderDataset(tmp_path, "val").ids == ["b"]
    with pytest.raises(DatasetError, match="splits here: train, val"):
        FolderDataset(tmp_path, "test")


def test_split_subfolders(tmp_path):
    write_pairs(tmp_path / "train", ["a", "b"])
    write_pairs(tmp_path / "val", ["c"])
    assert set(split_pairs(tmp_path)) == {"train", "val"}
    assert FolderDataset(tmp_path, "val").ids == ["val/c"]
    assert FolderDataset(tmp_path).ids == ["train/a", "train/b", "val/c"]
    with pytest.raises(DatasetError, match="splits here: train, val"):
        FolderDataset(tmp_path, "test")


def test_classes_json_and_rgb_masks(tmp_path):
    write_pairs(tmp_path, ["a"])
    (tmp_path / "classes.json").write_text('{"class_names": ["bg", "road"], "palette": [[0, 0, 0], [10, 200, 30]]}')
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[2:] = (10, 200, 30)
    Image.fromarray(rgb).save(tmp_path / "masks" / "a.png")
    assert FolderDataset(tmp_path)[0][1].sum() == 10


def test_image_without_mask_is_named(tmp_path):
    write_pairs(tmp_path, ["a", "b"])
    (tmp_path / "masks" / "b.png").unlink()
    with pytest.raises(DatasetError, match=r"b\.jpg: no mask for this image"):
        FolderDataset(tmp_path)


def test_values_beyond_classes_name_the_mask(tmp_path):
    write_pairs(tmp_path, ["a"], value=30)
    with pytest.raises(DatasetError, match=r"a\.png: label values 30 are outside the 21 classes"):
        FolderDataset(tmp_path)[0]


def test_empty_folder_and_bad_root(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    with pytest.raises(DatasetError, match="no images found"):
        FolderDataset(tmp_path)
    with pytest.raises(DatasetError, match="not an image folder"):
        FolderDataset(tmp_path / "images")
    with pytest.raises(DatasetError, match="no such folder"):
        FolderDataset(tmp_path / "nope")
