import json

import numpy as np
import pytest
from PIL import Image

from fcn_studio.data import ClassList, DatasetError, classes_for_root, read_classes_json, write_classes_json
from fcn_studio.data.labels import check_label, check_sizes, colours_to_labels, load_pair, read_label
from fcn_studio.palette import save_label_png, voc_palette
from fcn_studio.data.splits import (
    SplitEntry,
    index_folder,
    looks_like_path,
    match_files,
    read_split_file,
    require_folder,
    resolve_split,
)

PALETTE = voc_palette(21)


def test_read_label_palette_grey_and_16bit(tmp_path):
    labels = np.array([[0, 1, 2], [20, 255, 7]], np.uint8)
    save_label_png(labels, tmp_path / "p.png")
    Image.fromarray(labels, mode="L").save(tmp_path / "l.png")
    Image.fromarray(labels.astype(np.uint16)).save(tmp_path / "i16.png")
    for name in ("p.png", "l.png", "i16.png"):
        out = read_label(tmp_path / name, PALETTE)
        assert out.dtype == np.uint8 and np.array_equal(out, labels), name


def test_read_label_rejects_16bit_values_above_255(tmp_path):
    Image.fromarray(np.array([[0, 300]], np.uint16)).save(tmp_path / "big.png")
    with pytest.raises(DatasetError, match=r"big\.png: label values 0\.\.300"):
        read_label(tmp_path / "big.png", PALETTE)


def test_read_label_unreadable_names_file(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(DatasetError, match=r"broken\.png: label image unreadable"):
        read_label(tmp_path / "broken.png", PALETTE)


def test_colours_to_labels_maps_palette_and_void():
    rgb = np.array([[[0, 0, 0], [128, 0, 0], [224, 224, 192]]], np.uint8)
    assert colours_to_labels(rgb, PALETTE, "m.png").tolist() == [[0, 1, 255]]


def test_colours_to_labels_unknown_colour_names_file_and_colour():
    rgb = np.array([[[0, 0, 0], [1, 2, 3]]], np.uint8)
    with pytest.raises(DatasetError, match=r"m\.png: .*\(1, 2, 3\)"):
        colours_to_labels(rgb, PALETTE, "m.png")


def test_check_label_and_sizes():
    check_label(np.array([[0, 20, 255]], np.uint8), 21, "ok.png")
    with pytest.raises(DatasetError, match=r"bad\.png: label values 21 are outside the 21 classes"):
        check_label(np.array([[0, 21, 255]], np.uint8), 21, "bad.png")
    check_sizes(np.zeros((2, 3, 3)), np.zeros((2, 3)), "i.png", "l.png")
    with pytest.raises(DatasetError, match=r"l\.png: label is 3×1 but its image i\.png is 3×2"):
        check_sizes(np.zeros((2, 3, 3)), np.zeros((1, 3)), "i.png", "l.png")


def test_load_pair(tmp_path):
    Image.fromarray(np.full((2, 3, 3), 7, np.uint8)).save(tmp_path / "i.png")
    save_label_png(np.ones((2, 3), np.uint8), tmp_path / "l.png")
    rgb, label = load_pair(tmp_path / "i.png", tmp_path / "l.png", 21, PALETTE)
    assert rgb.shape == (2, 3, 3) and int(rgb.max()) == 7 and label.tolist() == [[1, 1, 1]] * 2


def test_classes_json_round_trip_and_default(tmp_path):
    assert classes_for_root(tmp_path).names[20] == "tvmonitor"
    classes = ClassList(("bg", "a", "b"), np.array([[0, 0, 0], [9, 8, 7], [1, 1, 1]], np.uint8))
    write_classes_json(tmp_path / "classes.json", classes, note="x")
    back = classes_for_root(tmp_path)
    assert back.names == ("bg", "a", "b") and back.palette.tolist() == classes.palette.tolist()
    assert json.loads((tmp_path / "classes.json").read_text())["note"] == "x"


def test_classes_json_without_palette_uses_voc_colours(tmp_path):
    (tmp_path / "classes.json").write_text('{"class_names": ["bg", "cat"]}')
    assert read_classes_json(tmp_path / "classes.json").palette.tolist() == [[0, 0, 0], [128, 0, 0]]


@pytest.mark.parametrize("text, message", [
    ("{", "not valid JSON"),
    ('{"names": []}', "class_names"),
    ('{"class_names": ["a", "b"], "palette": [[0, 0, 0]]}', "expected 2"),
    ('{"class_names": ["a"], "palette": [[0, 0, 256]]}', "0..255"),
])
def test_classes_json_errors_name_the_file(tmp_path, text, message):
    (tmp_path / "classes.json").write_text(text)
    with pytest.raises(DatasetError, match=message) as err:
        read_classes_json(tmp_path / "classes.json")
    assert err.value.path.endswith("classes.json")


def test_read_split_file_skips_blanks_and_comments(tmp_path):
    (tmp_path / "s.txt").write_text("a\n\n# c\n b  1\n")
    assert read_split_file(tmp_path / "s.txt") == [SplitEntry("a", 1), SplitEntry("b", 4)]


def test_resolve_split_names_and_paths(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "train.txt").write_text("a\n")
    assert resolve_split("train", lists, tmp_path) == lists / "train.txt"
    assert resolve_split("lists/train.txt", lists, tmp_path) == tmp_path / "lists/train.txt"
    assert looks_like_path("x.txt") and looks_like_path("a/b") and not looks_like_path("val")
    with pytest.raises(DatasetError, match="splits here: train"):
        resolve_split("val", lists, tmp_path)


def test_index_folder_prefers_earlier_extensions_and_match_files(tmp_path):
    for name in ("a.png", "a.jpg", "b.JPG", "c.txt"):
        (tmp_path / name).write_bytes(b"")
    index = index_folder(tmp_path, (".jpg", ".png"))
    assert {k: v.name for k, v in index.items()} == {"a": "a.jpg", "b": "b.JPG"}
    (column,) = match_files([SplitEntry("b", 1), SplitEntry("a", 2)], tmp_path / "l.txt", [(tmp_path, (".jpg",), "image")])
    assert [p.name for p in column] == ["b.JPG", "a.jpg"]
    with pytest.raises(DatasetError, match=r"z\.jpg: image missing .*line 7 of"):
        match_files([SplitEntry("z", 7)], tmp_path / "l.txt", [(tmp_path, (".jpg", ".png"), "image")])


def test_require_folder(tmp_path):
    require_folder(tmp_path)
    with pytest.raises(DatasetError, match="no such folder"):
        require_folder(tmp_path / "x")
