"""Issue 16, items 1, 2, 19: hostile caffemodels, metadata that lies about the tensors, pickle refusals.

Each must end in one WeightFileError naming the file, before anything large is allocated.
"""

import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from fcn_studio.cli import main
from fcn_studio.engine import WeightFileError, open_model, save_model
from fcn_studio.engine.weights import METADATA_KEY
from tests.compact_models import compact_model
from tests.engine.caffe_writer import caffemodel_from_state, field_bytes, net, varint


def caffemodel_with_blob(tmp_path, blob_bytes, name="odd"):
    """A caffemodel whose conv1_1 carries the raw BlobProto `blob_bytes`, then score_fr."""
    layer = field_bytes(1, b"conv1_1") + field_bytes(2, b"Convolution") + field_bytes(7, blob_bytes)
    data = field_bytes(100, layer) + net([("score_fr", "Convolution", [[[[[1.0]]]]])])
    path = tmp_path / f"{name}.caffemodel"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("blob,reason", [
    (field_bytes(5, b"\x00" * 5), "float field of 5 bytes"),
    (field_bytes(8, b"\x00" * 12), "float field of 12 bytes"),
    (field_bytes(7, field_bytes(1, varint(2 ** 62) + varint(4))), "does not match its 0 values"),  # 2^64 wraps to 0 in int64
    (field_bytes(7, b"") + field_bytes(5, b"\x00" * 4), "blob without dimensions"),
])
def test_damaged_caffemodel_blobs_are_refused_naming_the_file(tmp_path, blob, reason):
    path = caffemodel_with_blob(tmp_path, blob)
    with pytest.raises(WeightFileError, match=reason) as err:
        open_model(path)
    assert str(err.value).startswith(f"{path}: not a valid caffemodel")


def test_an_empty_score_blob_claiming_a_billion_classes_is_refused(tmp_path):
    """score_fr of shape (10^9, 0, 1, 1) holds no values, yet would make 10^9 class names and score rows."""
    state = compact_model("fcn32s").state_dict()
    state["score_fr.weight"] = torch.zeros(10 ** 9, 0, 1, 1)
    path = tmp_path / "billion.caffemodel"
    path.write_bytes(caffemodel_from_state(state))
    with pytest.raises(WeightFileError, match=r"billion\.caffemodel: conv1_1 or score_fr weights are missing or empty"):
        open_model(path)


def test_a_caffemodel_claiming_a_huge_width_is_refused_before_building(tmp_path):
    state = compact_model("fcn32s").state_dict()
    state["conv1_1.weight"] = torch.zeros(6400, 3, 3, 3)  # width 100: fc6 alone would be ~250 GB
    path = tmp_path / "wide.caffemodel"
    path.write_bytes(caffemodel_from_state(state))
    with pytest.raises(WeightFileError, match=r"wide\.caffemodel: weights do not fit fcn32s"):
        open_model(path)


def with_metadata(tmp_path, source, name, **changes):
    """`source`'s tensors under the compact model's metadata, with `changes`."""
    tensors = load_file(str(source))
    meta = compact_model("fcn32s").info.to_json()
    meta.update(changes)
    path = tmp_path / f"{name}.safetensors"
    save_file(tensors, str(path), metadata={METADATA_KEY: json.dumps(meta)})
    return path


@pytest.fixture
def small_file(tmp_path):
    return save_model(compact_model("fcn32s"), tmp_path / "good.safetensors")


@pytest.mark.parametrize("changes,reason", [
    ({"width": 100}, "weights do not fit fcn32s: wrong shape conv1_1.weight"),
    ({"num_classes": 10 ** 9}, "wrong shape score_fr.weight (4, 256, 1, 1) (the metadata says 1000000000 classes)"),
    ({"palette": [[0, 0, 0], [999, 0, 0], [0, 0, 0], [0, 0, 0]]}, "palette colour [999, 0, 0] is not three whole numbers"),
    ({"input": {"scale": "x"}}, "input scale must be a positive number, got 'x'"),
    ({"input": {"mean": ["a", 0, 0]}}, "mean and std need three numbers each"),
    ({"class_names": [1, 2, 3, 4]}, "class names must be text"),
    ({"arch": 5}, "arch must be a name"),
    ({"notes": []}, "notes must be a JSON object"),
])
def test_metadata_that_lies_is_refused_without_allocating(tmp_path, small_file, changes, reason):
    path = with_metadata(tmp_path, small_file, "liar", **changes)
    with pytest.raises(WeightFileError) as err:
        open_model(path)
    assert str(err.value).startswith(f"{path}: ") and reason in str(err.value)


@pytest.mark.parametrize("command", ["info", "segment"])
def test_the_cli_says_one_line_for_lying_metadata(tmp_path, small_file, capsys, command):
    path = with_metadata(tmp_path, small_file, "liar", palette=[[0, 0, 0], [999, 0, 0], [0, 0, 0], [0, 0, 0]])
    args = [command, str(path)] if command == "info" else ["segment", str(small_file), "-m", str(path), "-o", str(tmp_path / "o")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: invalid fcn-studio metadata" in err


@pytest.mark.parametrize("dtype", [torch.int8, torch.int64])
def test_integer_tensors_in_a_float_model_are_refused(tmp_path, small_file, dtype):
    tensors = load_file(str(small_file))
    tensors["fc7.bias"] = tensors["fc7.bias"].to(dtype)
    path = tmp_path / "ints.safetensors"
    save_file(tensors, str(path), metadata={METADATA_KEY: json.dumps(compact_model("fcn32s").info.to_json())})
    with pytest.raises(WeightFileError, match=r"ints\.safetensors: tensor fc7\.bias is I(8|64); a model's weights are floating point"):
        open_model(path)
    pth = tmp_path / "ints.pth"
    torch.save({k: v for k, v in tensors.items()}, pth)
    with pytest.raises(WeightFileError, match=r"ints\.pth: tensor fc7\.bias is torch\.int"):
        open_model(pth)


def test_import_weights_does_not_copy_bad_metadata_on(tmp_path, small_file, capsys):
    path = with_metadata(tmp_path, small_file, "liar", input={"scale": "x"})
    assert main(["import-weights", str(path), str(tmp_path / "copy.safetensors")]) == 1
    assert "input scale must be a positive number" in capsys.readouterr().err
    assert not (tmp_path / "copy.safetensors").exists()


class Evil:
    def __reduce__(self):
        return (print, ("\x1b[31mPWNED\x1b[0m",))


def test_the_pickle_refusal_says_what_was_found_that_nothing_ran_and_how_to_convert(tmp_path, capsys):
    path = tmp_path / "evil.pth"
    torch.save({"conv1_1.weight": Evil()}, path)
    assert main(["info", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "PWNED" not in err
    assert f"{path}: refused to load it: it holds a reference to the Python function print" in err
    assert "nothing in it was run" in err and "weights_only=False" in err and "torch.save" in err
