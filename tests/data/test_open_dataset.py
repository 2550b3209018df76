import numpy as np
import pytest
import scipy.io
from PIL import Image

from fcn_studio.data import DatasetError, FolderDataset, SBDDataset, VOCDataset, detect_layout, open_dataset


def test_detects_voc(voc_root):
    assert detect_layout(voc_root) == "voc"
    ds = open_dataset(voc_root)
    assert isinstance(ds, VOCDataset) and len(ds) == 3


def test_detects_voc_under_vocdevkit(tmp_path, tiny):
    tiny.write_voc(tmp_path / "VOCdevkit" / "VOC2012", ["a"], split="val")
    ds = open_dataset(tmp_path, "val")
    assert isinstance(ds, VOCDataset) and ds.ids == ["a"]

def test_detects_sbd(tmp_path):
    root = tmp_path / "benchmark_RELEASE" / "dataset"
    (root / "img").mkdir(parents=True)
    (root / "cls").mkdir()
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(root / "img" / "x.jpg")
    scipy.io.savemat(root / "cls" / "x.mat", {"GTcls": {"Segmentation": np.zeros((2, 2), np.uint8)}})
    (root / "val.txt").write_text("x\n")
    assert detect_layout(tmp_path) == "sbd"
    ds = open_dataset(tmp_path, "val")
    assert isinstance(ds, SBDDataset) and ds[0][1].shape == (2, 2)


def test_detects_folder(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(tmp_path / "images" / "x.png")
    Image.fromarray(np.zeros((2, 2), np.uint8)).save(tmp_path / "masks" / "x.png")
    assert detect_layout(tmp_path) == "folder"
    assert isinstance(open_dataset(tmp_path), FolderDataset)


def test_unrecognised_and_missing_roots_are_named(tmp_path):
    (tmp_path / "stuff").mkdir()
    assert detect_layout(tmp_path / "stuff") is None
    with pytest.raises(DatasetError, match="no dataset found here") as err:
        open_dataset(tmp_path / "stuff")
    assert err.value.path == str(tmp_path / "stuff")
    with pytest.raises(DatasetError, match="no such folder"):
        open_dataset(tmp_path / "missing")
