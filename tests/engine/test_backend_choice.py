"""`backend="auto"` per CPU class, with the CPU's features mocked (the real ones vary by machine)."""

import pytest
import torch

from fcn_studio import Segmenter
from fcn_studio.engine import backends, devices
from fcn_studio.engine.backends import cpu, resolve_backend

from ..compact_models import compact_model

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


class _Clock:
    """A clock only the fake runners advance: timings without a busy machine's noise."""

    now = 0.0

    @classmethod
    def perf_counter(cls):
        return cls.now


class _Fake:
    """A runner that takes `delay` seconds of the fake clock: what `fastest` measures."""

    delay = 0.0

    def __init__(self, path):
        self.outputs = ["logits"]

    def run(self, x, names=None):
        _Clock.now += self.delay
        return {"logits": x[:, :1]}


@pytest.fixture
def fake_runtimes(monkeypatch):
    from fcn_studio.engine.backends import choice

    monkeypatch.setattr(choice, "time", _Clock)

    def install(**delays):
        classes = {name: type(name, (_Fake,), {"delay": d, "name": name}) for name, d in delays.items()}
        monkeypatch.setattr(choice, "RUNNERS", classes)
        return classes
    return install


def test_auto_keeps_the_runtime_measured_faster_and_remembers_it(tmp_path, fake_runtimes):
    from fcn_studio.engine.backends import choice

    classes = fake_runtimes(onnxruntime=0.02, openvino=0.01)
    onnx_path = tmp_path / "k.onnx"
    runner, note = choice.fastest(onnx_path, ["onnxruntime", "openvino"], repeat=2)
    assert isinstance(runner, classes["openvino"]) and note == "measured faster here: 10 ms at 224², onnxruntime 20 ms"
    classes["openvino"].delay = 0.05  # stored: not measured again
    assert isinstance(choice.fastest(onnx_path, ["onnxruntime", "openvino"])[0], classes["openvino"])


def test_the_first_runtime_stays_unless_another_is_clearly_faster(tmp_path, fake_runtimes):
    from fcn_studio.engine.backends import choice

    classes = fake_runtimes(onnxruntime=0.0100, openvino=0.0095)  # 5 %: within the margin
    runner, note = choice.fastest(tmp_path / "k.onnx", ["onnxruntime", "openvino"], repeat=3)
    assert isinstance(runner, classes["onnxruntime"]) and note.startswith("kept unless another is 1.1× faster")
