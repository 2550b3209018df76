"""Reading `.pth` state_dicts: plain tensors only, trainer checkpoints unwrapped, errors naming the file."""

import pytest
import torch

from fcn_studio.engine import WeightFileError
from fcn_studio.engine.torch_files import load_torch_state_dict


def test_a_state_dict_and_a_wrapped_one_read_back(tmp_path):
    state = {"conv1_1.weight": torch.randn(2, 3, 3, 3), "conv1_1.bias": torch.randn(2)}
    torch.save(state, tmp_path / "plain.pth")
    torch.save({"epoch": 1, "model_state_dict": state}, tmp_path / "checkpoint.pth.tar")
    for name in ("plain.pth", "checkpoint.pth.tar"):
        read = load_torch_state_dict(tmp_path / name)
        assert set(read) == set(state) and all(torch.equal(read[k], v) for k, v in state.items())


def test_what_is_not_a_state_dict_is_refused_naming_the_file(tmp_path):
    with pytest.raises(WeightFileError, match="missing.pth: no such file"):
        load_torch_state_dict(tmp_path / "missing.pth")
    (tmp_path / "garbage.pth").write_bytes(b"not a zip")
    with pytest.raises(WeightFileError, match="garbage.pth: refused to load it"):
        load_torch_state_dict(tmp_path / "garbage.pth")
    torch.save({"a": 1}, tmp_path / "numbers.pth")
    with pytest.raises(WeightFileError, match="numbers.pth: does not hold a state_dict"):
        load_torch_state_dict(tmp_path / "numbers.pth")
