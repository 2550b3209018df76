"""Damaged and hostile weight files: a WeightFileError naming the file, and the current model untouched.

Covered elsewhere: a `.pth` whose pickle would run code (tests/engine/test_weights.py::
test_malicious_pickle_is_refused_and_runs_no_code), a `.caffemodel` of another architecture
(::test_caffemodel_of_another_architecture_or_garbage_is_refused).
"""

import json
import os
import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from fcn_studio.app.jobs import OpenModelJob
from fcn_studio.app.session import Session
from fcn_studio.engine import WeightFileError, load_model, open_model, save_model
from fcn_studio.engine.weights import METADATA_KEY, load_state_checked
from tests.compact_models import compact_model, write_image
from tests.gui.conftest import wait_idle


@pytest.fixture
def model_file(tmp_path):
    return save_model(compact_model("fcn32s"), tmp_path / "good.safetensors")


@pytest.mark.parametrize("keep", [0.001, 0.3, 0.5, 0.999])
def test_truncated_safetensors_are_named(tmp_path, model_file, keep):
    data = model_file.read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(data[: max(1, int(len(data) * keep))])
    with pytest.raises(WeightFileError) as err:
        open_model(cut)
    assert str(err.value).startswith(f"{cut}: not a readable safetensors file")


def test_truncated_pth_is_named(tmp_path):
    path = tmp_path / "cut.pth"
    torch.save(compact_model("fcn32s").state_dict(), path)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(WeightFileError, match=r"cut\.pth: not a plain PyTorch weights file"):
        open_model(path)


@pytest.mark.parametrize("meta,reason", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object, found list"),
    ('{"num_classes": 4}', "invalid fcn-studio metadata"),
    ('{"arch": "resnet50", "num_classes": 4}', "unknown architecture 'resnet50'"),
    ('{"arch": "fcn32s", "num_classes": "many"}', "invalid fcn-studio metadata"),
    ('{"arch": "fcn32s", "num_classes": 4, "input": [1, 2]}', "invalid fcn-studio metadata"),
    ('{"arch": "fcn32s", "num_classes": 4, "width": "wide"}', "width must be a positive number"),
    ('{"arch": "fcn32s", "num_classes": 4, "width": 0.125}', "weights do not fit fcn32s: wrong shape conv1_1"),
    ('{"arch": "fcn8s", "num_classes": 4, "width": 0.0625}', "weights do not fit fcn8s: missing score_pool3"),
])
def test_wrong_metadata_is_refused_naming_the_file(tmp_path, model_file, meta, reason):
    path = tmp_path / "meta.safetensors"
    save_file(load_file(model_file), path, metadata={METADATA_KEY: meta})
    with pytest.raises(WeightFileError) as err:
        load_model(path)
    assert str(err.value).startswith(f"{path}: ") and reason in str(err.value)


def test_a_refused_state_leaves_the_model_as_it_was():
    model = compact_model("fcn32s")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    other = compact_model("fcn32s", seed=1).state_dict()
    other["score_fr.weight"] = torch.zeros(7, *other["score_fr.weight"].shape[1:])  # 7 classes, not 4
    with pytest.raises(WeightFileError, match=r"other\.pth: weights do not fit fcn32s: wrong shape score_fr.weight"):
        load_state_checked(model, other, "other.pth")
    assert all(torch.equal(model.state_dict()[k], v) for k, v in before.items())


def wrong_class_count(folder):
    """Tensors of a 4-class net under metadata that claims 7 classes."""
    model = compact_model("fcn32s")
    path = save_model(model, folder / "seven.safetensors")
    meta = model.info.to_json()
    meta.update(num_classes=7, class_names=[f"c{i}" for i in range(7)], palette=[[i, i, i] for i in range(7)])
    save_file(load_file(path), path, metadata={METADATA_KEY: json.dumps(meta)})
    return path


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def hostile_files(folder):
    """{file: what its message must say}: each must be refused before the app offers it."""
    data = save_model(compact_model("fcn32s"), folder / "whole.safetensors").read_bytes()
    (folder / "cut.safetensors").write_bytes(data[: len(data) // 2])
    with open(folder / "evil.pth", "wb") as f:
        pickle.dump({"conv1_1.weight": Evil(folder / "pwned")}, f)
    (folder / "alexnet.caffemodel").write_bytes(b"\x0a\x05alex")
    return {folder / "cut.safetensors": "not a readable safetensors file",
            wrong_class_count(folder): "weights do not fit fcn32s: wrong shape score_fr",
            folder / "evil.pth": "refused to load it",
            folder / "alexnet.caffemodel": "alexnet.caffemodel"}


def test_open_model_job_refuses_each_file_and_keeps_the_catalog(tmp_path, family):
    session = Session()
    good = session.catalog.add_file(family["8s"])
    entries = list(session.catalog.entries)
    for path, reason in hostile_files(tmp_path).items():
        with pytest.raises(WeightFileError) as err:
            list(OpenModelJob(session, path).run())
        assert str(path) in str(err.value) and reason in str(err.value), path.name
    assert session.catalog.entries == entries and session.catalog.find(good.path) == good
    assert not (tmp_path / "pwned").exists()


def test_the_window_keeps_its_model_and_results_after_bad_model_files(qtbot, window, tmp_path):
    window.opener.open_paths([write_image(tmp_path / "a.png", size=48)])
    wait_idle(qtbot, window, "a.png")
    entry, labels = window.view_model.entry, window.view_model.prediction().labels.copy()
    files = hostile_files(tmp_path)
    for path in files:
        window.opener.open_model(path)
    qtbot.waitUntil(lambda: len(window.errors.messages) == len(files) and not window.runner.busy(), timeout=30000)
    assert window.view_model.entry == entry and window.isVisible()
    for path in files:
        assert any(str(path) in m for m in window.errors.messages), path.name
    # the dialog got the exceptions themselves, not strings: the kind and the file survive the worker thread
    assert {type(p) for p in window.errors.problems} == {WeightFileError}
    assert {p.path for p in window.errors.problems} == {str(path) for path in files}
    window.view_model.refresh()
    np.testing.assert_array_equal(window.view_model.prediction().labels, labels)
    assert not (tmp_path / "pwned").exists()
