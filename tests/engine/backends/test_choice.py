"""`backend="auto"`'s first guess per CPU class, with the CPU's features mocked (the real ones vary
by machine); what is measured after it: test_backend_measured.py."""

import pytest
import torch

from fcn_studio import Segmenter
from fcn_studio.engine import backends, devices
from fcn_studio.engine.backends import cpu, resolve_backend

from tests.compact_models import compact_model

CPU = torch.device("cpu")


@pytest.mark.parametrize("capability, native_bf16, expected", [
    ("AVX2", False, "avx2"),  # AMD EPYC before Zen 4, most laptops
    ("AVX512", False, "avx512"),  # Skylake/Cascade Lake servers
    ("AVX512", True, "avx512-bf16"),  # Cooper Lake, Zen 4 (AVX-512 BF16), Sapphire Rapids (AMX)
    ("DEFAULT", False, "other"),
])
def test_cpu_class_from_features(capability, native_bf16, expected):
    assert cpu.cpu_class(capability, native_bf16) == expected


@pytest.mark.parametrize("cls, openvino, expected", [
    ("avx2", False, "onnxruntime"), ("avx2", True, "openvino"),
    ("avx512", False, "onnxruntime"), ("avx512", True, "openvino"),
    ("avx512-bf16", False, "torch"), ("avx512-bf16", True, "torch"),
    ("other", False, "onnxruntime"),
])
def test_auto_backend_per_cpu_class(cls, openvino, expected):
    assert cpu.auto_backend("cpu", cls, openvino) == expected
    assert cpu.auto_backend("cuda", cls, openvino) == "torch"


@pytest.fixture
def mocked_cpu(monkeypatch):
    """Mock torch's capability, the bf16 probes and OpenVINO's presence; unpin the suite's backend."""
    monkeypatch.delenv(backends.BACKEND_ENV)

    def mock(capability: str, bf16: bool, openvino: bool = False):
        monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
        monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: bf16)
        monkeypatch.setattr(backends, "openvino_installed", lambda: openvino)
    return mock


@pytest.mark.parametrize("capability, bf16, precision, backend", [
    ("AVX2", False, "fp32", "onnxruntime"),
    ("AVX512", False, "fp32", "onnxruntime"),
    ("AVX512", True, "bf16", "torch"),  # AVX-512 BF16 / AMX: PyTorch bf16, native there
])
def test_segmenter_default_path_on_each_cpu_class(mocked_cpu, capability, bf16, precision, backend):
    mocked_cpu(capability, bf16)
    seg = Segmenter(compact_model("fcn32s"), device="cpu")
    assert (seg.precision, seg.backend) == (precision, backend)
    # auto never picks emulated bf16: without native bf16 the precision stays fp32
    assert (seg.precision == "bf16") == bf16


def test_openvino_is_auto_where_its_extra_is_installed(mocked_cpu, monkeypatch):
    mocked_cpu("AVX2", False, openvino=True)
    monkeypatch.setattr(backends, "openvino_installed", lambda: True)
    assert resolve_backend("auto", CPU) == "openvino"


def test_environment_overrides_auto_and_names_are_checked(monkeypatch):
    monkeypatch.setenv(backends.BACKEND_ENV, "onnxruntime")
    assert resolve_backend("auto", CPU) == "onnxruntime" and resolve_backend("torch", CPU) == "torch"
    with pytest.raises(ValueError, match="backend must be one of"):
        resolve_backend("tensorrt", CPU)
    with pytest.raises(ValueError, match="runs on the CPU"):
        resolve_backend("onnxruntime", torch.device("cuda"))
    monkeypatch.setattr(backends, "openvino_installed", lambda: False)
    with pytest.raises(ValueError, match=r"fcn-studio\[openvino\]"):
        resolve_backend("openvino", CPU)


def test_reduced_precision_and_stitching_stay_on_pytorch(mocked_cpu):
    mocked_cpu("AVX2", False)
    model = compact_model("fcn32s")
    assert Segmenter(model, device="cpu", precision="bf16").backend == "torch"
    assert Segmenter(model, device="cpu", upsampling="shift-stitch", stitch_factor=2).backend == "torch"
    with pytest.raises(ValueError, match="not bf16 precision"):
        Segmenter(model, device="cpu", precision="bf16", backend="onnxruntime")
    with pytest.raises(ValueError, match="not shift-and-stitch"):
        Segmenter(model, device="cpu", precision="fp32", backend="onnxruntime", upsampling="shift-stitch")
