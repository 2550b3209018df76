"""`resolve_device`: the one reading of a device setting, and the app's fallback for saved choices."""

import pytest
import torch

from fcn_studio.app.device_choice import usable_device
from fcn_studio.cli import main
from fcn_studio.engine.devices import available_devices, resolve_device
from fcn_studio.errors import DeviceError, FileProblem


def test_auto_and_cpu_resolve_and_the_choices_start_with_the_cpu():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(None) == resolve_device("auto") == resolve_device("")
    assert available_devices()[0] == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("name", ["bogus", "cuda:x", "gpu0"])
def test_an_unknown_device_is_a_one_line_problem(name):
    with pytest.raises(DeviceError, match=rf"unknown device '{name}'; use auto, cpu, cuda or cuda:N") as info:
        resolve_device(name)
    assert isinstance(info.value, FileProblem) and isinstance(info.value, ValueError) and info.value.path is None


def test_cuda_that_is_not_here_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="CUDA is not available here"):
        resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(DeviceError, match=r"has 1 CUDA device \(cuda:0 … cuda:0\)"):
        resolve_device("cuda:3")


def test_a_device_type_torch_knows_but_this_machine_lacks(monkeypatch):
    with pytest.raises(DeviceError, match="'meta' is not available here"):
        resolve_device("meta")


def test_the_app_falls_back_to_the_cpu_for_a_saved_choice_it_cannot_use(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert usable_device("cuda") == "cpu" and usable_device("bogus") == "cpu"
    assert usable_device("auto") == "cpu" and usable_device(None) == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert usable_device("auto") == "cuda" and usable_device("cpu") == "cpu"


def test_cli_eval_with_a_bogus_device_prints_one_line(capsys, tmp_path):
    assert main(["eval", "fcn8s", str(tmp_path), "--device", "bogus"]) == 1
    err = capsys.readouterr().err
    assert err == "fcn-studio: error: unknown device 'bogus'; use auto, cpu, cuda or cuda:N\n"
