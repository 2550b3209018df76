import numpy as np
import pytest
import scipy.io
import torch
from PIL import Image

from fcn_studio.data import DatasetError, SBDDataset, read_sbd_label
from fcn_studio.data.sbd import find_sbd_root


def write_sbd(dataset, ids, shape=(6, 8)):
    (dataset / "img").mkdir(parents=True)
    (dataset / "cls").mkdir()
    labels = {}
    for i, name in enumerate(ids):
        Image.fromarray(np.full((*shape, 3), 10 * i, np.uint8)).save(dataset / "img" / f"{name}.jpg", quality=100)
        seg = (np.arange(shape[0] * shape[1]).reshape(shape) % 21).astype(np.uint8)
        labels[name] = seg
        gt = {"Segmentation": seg, "Boundaries": np.zeros((20, 1), object), "CategoriesPresent": np.array([1])}
        scipy.io.savemat(dataset / "cls" / f"{name}.mat", {"GTcls": gt})
    (dataset / "train.txt").write_text("".join(f"{n}\n" for n in ids))
    (dataset / "val.txt").write_text(f"{ids[0]}\n")
    return labels


def test_sbd_mat_round_trip(tmp_path):
    dataset = tmp_path / "benchmark_RELEASE" / "dataset"
    labels = write_sbd(dataset, ["2008_000002", "2008_000003"])
    assert find_sbd_root(tmp_path) == dataset
    ds = SBDDataset(tmp_path, "train")
    assert ds.ids == ["2008_000002", "2008_000003"] and ds.num_classes == 21
    image, label = ds[1]
    assert image.shape == (3, 6, 8) and image.dtype == torch.uint8
    assert label.dtype == torch.int64 and np.array_equal(label.numpy(), labels["2008_000003"])
    assert len(SBDDataset(dataset, "val")) == 1
    assert ds.image_path(0).suffix == ".jpg" and ds.label_path(0).suffix == ".mat"


def test_read_sbd_label_errors_name_the_file(tmp_path):
    scipy.io.savemat(tmp_path / "other.mat", {"x": np.zeros((2, 2))})
    with pytest.raises(DatasetError, match=r"other\.mat: no GTcls\.Segmentation"):
        read_sbd_label(tmp_path / "other.mat")
    (tmp_path / "junk.mat").write_bytes(b"MATLAB? no")
    with pytest.raises(DatasetError, match=r"junk\.mat"):
        read_sbd_label(tmp_path / "junk.mat")
    with pytest.raises(DatasetError, match=r"gone\.mat: no such file"):
        read_sbd_label(tmp_path / "gone.mat")


def test_sbd_missing_mat_names_line(tmp_path):
    write_sbd(tmp_path, ["a", "b"])
    (tmp_path / "cls" / "b.mat").unlink()
    with pytest.raises(DatasetError, match=r"b\.mat: label missing; listed on line 2"):
        SBDDataset(tmp_path)


def test_sbd_size_mismatch(tmp_path):
    write_sbd(tmp_path, ["a"])
    scipy.io.savemat(tmp_path / "cls" / "a.mat", {"GTcls": {"Segmentation": np.zeros((3, 3), np.uint8)}})
    with pytest.raises(DatasetError, match=r"a\.mat: label is 3×3 but its image .*a\.jpg is 8×6"):
        SBDDataset(tmp_path)[0]


def test_sbd_bad_root(tmp_path):
    with pytest.raises(DatasetError, match="not an SBD folder"):
        SBDDataset(tmp_path)
