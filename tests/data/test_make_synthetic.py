import json

import numpy as np
import pytest
from PIL import Image

from fcn_studio.cli import main
from fcn_studio.data import SyntheticScenes, VOCDataset, make_synthetic, open_dataset
from fcn_studio.data.synthetic import split_ids
from fcn_studio.data.synthetic.writer import scene_id


def tree_bytes(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = tree_bytes(make_synthetic(tmp_path / "a", 6, 48, seed=5))
    b = tree_bytes(make_synthetic(tmp_path / "b", 6, 48, seed=5))
    c = tree_bytes(make_synthetic(tmp_path / "c", 6, 48, seed=6))
    assert a == b
    assert a.keys() == c.keys()
    assert all(a[k] != c[k] for k in a if k.startswith("JPEGImages"))


def test_layout_lists_and_classes(tmp_path):
    root = make_synthetic(tmp_path / "syn", 10, 32, seed=1, val_fraction=0.3)
    assert len(list((root / "JPEGImages").glob("*.png"))) == 10
    assert len(list((root / "SegmentationClass").glob("*.png"))) == 10
    lists = root / "ImageSets" / "Segmentation"
    train, val = (lists / "train.txt").read_text().split(), (lists / "val.txt").read_text().split()
    assert len(val) == 3 and len(train) == 7 and not set(train) & set(val)
    assert sorted(train + val) == (lists / "trainval.txt").read_text().split() == [scene_id(i) for i in range(10)]
    meta = json.loads((root / "classes.json").read_text())
    assert meta["class_names"][12] == "wire" and len(meta["palette"]) == 16
    assert meta["generator"]["seed"] == 1 and meta["generator"]["size"] == 32
    label = Image.open(root / "SegmentationClass" / f"{scene_id(0)}.png")
    assert label.mode == "P" and label.getpalette()[3:6] == [128, 0, 0]


def test_written_set_reads_back_equal_to_memory(tmp_path):
    root = make_synthetic(tmp_path / "syn", 5, 32, seed=9)
    ds = open_dataset(root, "trainval")
    assert isinstance(ds, VOCDataset) and ds.num_classes == 16 and ds.class_names[1] == "striped_disc"
    memory = SyntheticScenes(5, 32, seed=9)
    for i in range(5):
        assert np.array_equal(ds[i][0].numpy(), memory[i][0].numpy())
        assert np.array_equal(ds[i][1].numpy(), memory[i][1].numpy())


def test_split_ids():
    train, val = split_ids(10, 0, 0.2)
    assert len(val) == 2 and len(train) == 8 and split_ids(10, 0, 0.2) == (train, val)
    assert split_ids(2, 0, 0.01)[1] and split_ids(2, 0, 0.99)[0]
    assert split_ids(3, 0, 0.0)[1] == []
    with pytest.raises(ValueError):
        split_ids(3, 0, 1.0)


def test_existing_folder_is_kept_unless_overwrite(tmp_path):
    root = make_synthetic(tmp_path / "syn", 3, 32, seed=0)
    (root / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        make_synthetic(root, 2, 32, seed=0)
    make_synthetic(root, 2, 32, seed=0, overwrite=True)
    assert len(list((root / "JPEGImages").iterdir())) == 2 and (root / "notes.txt").read_text() == "mine"


def test_progress_callback(tmp_path):
    calls = []
    make_synthetic(tmp_path / "syn", 4, 32, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_cli_writes_the_set_and_prints_progress(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["make-synthetic", str(out), "--n", "5", "--size", "32", "--seed", "4", "--val-fraction", "0.4"]) == 0
    printed = capsys.readouterr().out
    assert "5/5 scenes" in printed and f"wrote 5 scenes of 32×32 px to {out}" in printed
    assert len((out / "ImageSets/Segmentation/val.txt").read_text().split()) == 2
    assert tree_bytes(out) == tree_bytes(make_synthetic(tmp_path / "lib", 5, 32, seed=4, val_fraction=0.4))


def test_cli_errors(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["make-synthetic", str(out), "--n", "1", "--size", "32"]) == 0
    assert main(["make-synthetic", str(out), "--n", "1", "--size", "32"]) == 1
    assert "use --force" in capsys.readouterr().err
    assert main(["make-synthetic", str(out), "--n", "1", "--size", "32", "--force"]) == 0
    assert main(["make-synthetic", str(tmp_path / "x"), "--n", "0"]) == 1
    assert main(["make-synthetic", str(tmp_path / "x"), "--size", "8"]) == 1
    assert "--size must be at least 16" in capsys.readouterr().err
