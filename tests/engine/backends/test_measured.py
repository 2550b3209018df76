"""`auto` decided by measurement (engine/backends/measured.py): candidates' timings on a fake clock,
the gate on fake labels, the verdict on disk; and once end to end on a compact model."""

import json
from importlib.metadata import version

import numpy as np
import pytest
import torch

from fcn_studio.engine.model_info import to_input
from fcn_studio import Segmenter
from fcn_studio.engine import backends, devices
from fcn_studio.engine.backends import cache, calibration, cpu, measured
from fcn_studio.engine.backends.measured import Candidate, choose, machine_tag

from tests.compact_models import compact_model

HELD_OUT = [np.zeros((1, 3, 4, 4), np.float32), np.ones((1, 3, 4, 4), np.float32)]


class Clock:
    """A clock only the fake runners advance: timings without a busy machine's noise."""

    now = 0.0

    @classmethod
    def perf_counter(cls):
        return cls.now


class FakeRunner:
    """Takes `delay` seconds of the fake clock; its labels are the reference's where `agrees`,
    else another class on half the pixels."""

    def __init__(self, name, delay, agrees=True):
        self.name, self.delay, self.agrees = name, delay, agrees

    def run(self, x, names=None):
        Clock.now += self.delay
        logits = np.zeros((x.shape[0], 2) + x.shape[2:], np.float32)
        logits[:, 0] = 1
        if not self.agrees:
            logits[:, 1, : x.shape[2] // 2] = 2
        return {"logits": logits}


@pytest.fixture
def fake_clock(monkeypatch):
    """The fake clock, on a machine nothing else is using (`busy` below says otherwise)."""
    monkeypatch.setattr(measured, "time", Clock)
    monkeypatch.setattr(measured.load, "others_share", lambda start, end=None: 0.0)


def busy(monkeypatch, share):
    monkeypatch.setattr(measured.load, "others_share", lambda start, end=None: share)


def fakes(**spec):
    """Candidates named like "torch_fp32": (delay in ms, exact, agrees); built once each."""
    built = []

    def make(name, delay, agrees):
        built.append(name)
        return FakeRunner(name, delay / 1000, agrees)

    return [Candidate(name.replace("_", " "), exact, lambda n=name, d=d, a=a: make(n, d, a))
            for name, (d, exact, a) in spec.items()], built


TAG = {"cpu": "test CPU (avx512_bf16)", "versions": {"onnxruntime": "1.0"}}


def test_the_fastest_passing_candidate_wins_and_says_why(tmp_path, fake_clock):
    options, _ = fakes(torch_fp32=(30, True, True), torch_bf16=(12, False, True), onnxruntime_fp32=(20, True, True),
                       openvino_int8=(8, False, True))
    choice = choose(options, HELD_OUT, tmp_path / "k.paths.json", TAG)
    assert choice.name == "openvino int8" and choice.runner.delay == 0.008
    assert choice.note == ("measured fastest here: 8 ms at 224² (then torch bf16 12 ms, onnxruntime fp32 20 ms, "
                           "torch fp32 30 ms); 100.00 % of fp32 labels on 2 held-out images")


def test_a_failing_gate_excludes_however_fast(tmp_path, fake_clock):
    options, _ = fakes(torch_fp32=(30, True, True), torch_bf16=(5, False, False), onnxruntime_fp32=(20, True, True))
    choice = choose(options, HELD_OUT, tmp_path / "k.paths.json", TAG)
    assert choice.name == "onnxruntime fp32"
    assert "refused: torch bf16 (50.00 % of fp32 labels, below the 99.5 % bar)" in choice.note
    record = json.loads((tmp_path / "k.paths.json").read_text())
    assert set(record["seconds"]) == {"torch fp32", "onnxruntime fp32"}  # the refused one is not even timed


def test_without_own_images_only_exact_paths_compete(tmp_path, fake_clock):
    options, _ = fakes(torch_fp32=(30, True, True), torch_bf16=(5, False, True), onnxruntime_fp32=(20, True, True))
    choice = choose(options, None, tmp_path / "k.paths.json", TAG)
    assert choice.name == "onnxruntime fp32" and "torch bf16 (no own images to check its labels on)" in choice.note


def test_a_candidate_that_does_not_build_is_left_out(tmp_path, fake_clock):
    options, _ = fakes(torch_fp32=(30, True, True))

    def broken():
        raise backends.ExportError("m.onnx", "not exportable")

    options.append(Candidate("onnxruntime fp32", True, broken))
    choice = choose(options, HELD_OUT, tmp_path / "k.paths.json", TAG)
    assert choice.name == "torch fp32" and "onnxruntime fp32 (unavailable: m.onnx: not exportable)" in choice.note


def test_the_verdict_is_kept_and_measured_again_when_the_cpu_or_a_version_changes(tmp_path, fake_clock):
    record = tmp_path / "k.paths.json"
    options, built = fakes(torch_fp32=(30, True, True), onnxruntime_fp32=(20, True, True))
    assert choose(options, HELD_OUT, record, TAG).name == "onnxruntime fp32"
    built.clear()
    slower, built = fakes(torch_fp32=(30, True, True), onnxruntime_fp32=(50, True, True))
    assert choose(slower, HELD_OUT, record, TAG).name == "onnxruntime fp32"  # stored: not measured again
    assert built == ["onnxruntime_fp32"]  # only the winner is built
    other_cpu = dict(TAG, cpu="another CPU (avx2)")
    assert choose(slower, HELD_OUT, record, other_cpu).name == "torch fp32"  # another CPU: measured again
    newer = dict(other_cpu, versions={"onnxruntime": "2.0"})
    faster, _ = fakes(torch_fp32=(30, True, True), onnxruntime_fp32=(10, True, True))
    assert choose(faster, HELD_OUT, record, newer).name == "onnxruntime fp32"  # a new library: measured again


def test_a_verdict_timed_while_other_programs_ran_is_measured_again(tmp_path, fake_clock, monkeypatch):
    record = tmp_path / "k.paths.json"
    options, built = fakes(torch_fp32=(30, True, True), onnxruntime_fp32=(20, True, True))
    busy(monkeypatch, 0.6)
    choice = choose(options, HELD_OUT, record, TAG)
    assert "other programs kept 60 % of the CPU busy meanwhile: measured again next time" in choice.note
    assert json.loads(record.read_text())["provisional"] is True
    built.clear()
    busy(monkeypatch, 0.05)  # the next start finds the machine quiet: measured again, and kept
    assert choose(options, HELD_OUT, record, TAG).name == "onnxruntime fp32" and built == ["torch_fp32", "onnxruntime_fp32"]
    stored = json.loads(record.read_text())
    assert stored["provisional"] is False and stored["others_busy"] == 0.05
    built.clear()
    assert choose(options, HELD_OUT, record, TAG).name == "onnxruntime fp32" and built == ["onnxruntime_fp32"]


def test_a_machine_that_is_always_busy_keeps_its_verdict_after_a_few_tries(tmp_path, fake_clock, monkeypatch):
    record = tmp_path / "k.paths.json"
    options, built = fakes(torch_fp32=(30, True, True), onnxruntime_fp32=(20, True, True))
    busy(monkeypatch, 0.9)
    for _ in range(measured.BUSY_TRIES):
        choose(options, HELD_OUT, record, TAG)
    assert built.count("torch_fp32") == measured.BUSY_TRIES  # measured each time
    stored = json.loads(record.read_text())
    assert stored["provisional"] is False and stored["tries"] == measured.BUSY_TRIES
    assert "measured again" not in stored["note"]
    built.clear()
    choose(options, HELD_OUT, record, TAG)
    assert built == ["onnxruntime_fp32"]


def test_a_corrupt_verdict_file_is_made_again(tmp_path, fake_clock):
    record = tmp_path / "k.paths.json"
    record.write_text('{"tag": {"cpu": ')  # cut short by a crash
    options, _ = fakes(torch_fp32=(30, True, True), onnxruntime_fp32=(20, True, True))
    assert choose(options, HELD_OUT, record, TAG).name == "onnxruntime fp32"
    assert json.loads(record.read_text())["winner"] == "onnxruntime fp32"
    record.write_text('{"tag": %s, "winner": "tensorrt int4"}' % json.dumps(TAG))  # a winner no longer offered
    assert choose(options, HELD_OUT, record, TAG).name == "onnxruntime fp32"
    record.write_text('{"tag": %s, "winner": "torch fp32", "provisional": true, "tries": "many"}' % json.dumps(TAG))
    assert choose(options, HELD_OUT, record, TAG).name == "onnxruntime fp32"  # measured again, not a crash
    assert json.loads(record.read_text())["tries"] == 2


def test_the_tag_names_the_weights_cpu_threads_and_library_versions():
    tag = machine_tag("abc", "scenes", ["torch fp32"])
    assert tag["weights"] == "abc" and tag["cpu"] == cpu.cpu_description() and tag["threads"] == torch.get_num_threads()
    assert tag["versions"]["torch"] == version("torch") and set(tag["versions"]) == {"torch", "onnxruntime", "openvino"}


@pytest.mark.parametrize("bf16, openvino, calibrated, expected", [
    (False, False, False, ["torch fp32", "onnxruntime fp32"]),
    (False, True, True, ["torch fp32", "onnxruntime fp32", "onnxruntime int8", "openvino fp32", "openvino int8"]),
    (True, True, True, ["torch fp32", "torch bf16", "onnxruntime fp32", "onnxruntime int8", "openvino fp32",
                        "openvino bf16", "openvino int8"]),
])
def test_candidates_are_what_this_cpu_and_install_can_run_well(bf16, openvino, calibrated, expected):
    from fcn_studio.engine.backends.candidates import candidates

    data = calibration.Calibration("s", [], []) if calibrated else None
    options = candidates(compact_model("fcn32s"), data, bf16, openvino, lambda winograd: None)
    assert [c.name for c in options] == expected and [c.exact for c in options] == [n.endswith("fp32") for n in expected]


def test_the_segmenter_measures_only_when_both_choices_are_auto(monkeypatch):
    monkeypatch.delenv(backends.BACKEND_ENV)
    model = compact_model("fcn8s")
    monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: True)
    seg = Segmenter(model, device="cpu")
    assert seg._measuring and seg.path == "torch bf16 (the CPU class's first guess; the fastest path not measured yet)"
    assert not Segmenter(model, device="cpu", precision="fp32")._measuring  # fp32: one flag away
    assert not Segmenter(model, device="cpu", backend="torch")._measuring
    monkeypatch.setenv(backends.BACKEND_ENV, "torch")
    assert not Segmenter(model, device="cpu")._measuring


def test_pytorch_serves_the_first_guess_while_measuring_in_the_background(monkeypatch):
    import threading

    from fcn_studio.engine import predictor
    from fcn_studio.engine.backends.torch_path import TorchRunner

    monkeypatch.delenv(backends.BACKEND_ENV)
    release = threading.Event()

    def slow(model, calibration):
        release.wait(10)
        return backends.Runtime(TorchRunner(model, "fp32"), "torch fp32 (measured fastest here: test)")

    monkeypatch.setattr(predictor, "measured_runtime", slow)
    monkeypatch.setattr(backends, "auto_backend", lambda *a: "torch")
    model = compact_model("fcn8s")
    seg = Segmenter(model, device="cpu")
    seg.prepare_in_background()
    rgb = np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    assert seg.predict(rgb).path == "torch fp32"  # the first guess, no waiting
    release.set()
    seg._preparing.join(60)
    pred = seg.predict(rgb, intermediates=True)
    assert pred.path == seg.path == "torch fp32 (measured fastest here: test)"
    with torch.no_grad():
        assert np.array_equal(pred.intermediates["logits"], model.intermediates(to_input(rgb, seg.info.input))["logits"][0].numpy())


@pytest.mark.slow
def test_measured_end_to_end_on_a_compact_model(monkeypatch, tmp_path):
    """Real candidates (ONNX Runtime, OpenVINO where installed, int8 on own images): every one is
    timed or refused with a reason, the fastest timed one serves, and its labels are the model's."""
    monkeypatch.delenv(backends.BACKEND_ENV)
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    model = compact_model("fcn8s", seed=3).eval()
    rgbs = [np.random.default_rng(i).integers(0, 256, (48, 48, 3), dtype=np.uint8) for i in range(4)]
    data = calibration.from_rgb("random test images", rgbs[:2], rgbs[2:], model)
    seg = Segmenter(model, device="cpu", calibration=data)
    path = seg.prepare()
    record = json.loads(next(tmp_path.glob("onnx/*.paths.json")).read_text())
    assert path.startswith(f"{record['winner']} (measured fastest here: ")
    timed = set(record["seconds"])
    assert {"torch fp32", "onnxruntime fp32"} <= timed and record["seconds"][record["winner"]] == min(record["seconds"].values())
    assert all(name in timed or name in record["refused"] for name in record["tag"]["candidates"])
    rgb = np.random.default_rng(9).integers(0, 256, (40, 44, 3), dtype=np.uint8)
    with torch.no_grad():
        ref = model(to_input(rgb, seg.info.input)).argmax(1)[0].numpy()
    assert (seg.predict(rgb).labels == ref).mean() > 0.95


def test_fp32_runtimes_get_the_winograd_graph_and_bf16_and_int8_the_plain_one(monkeypatch):
    import importlib

    module = importlib.import_module("fcn_studio.engine.backends.candidates")  # the package exports the function
    built = {}
    monkeypatch.setattr(module, "OrtRunner", lambda path: built.setdefault(f"ort {path}", path))
    monkeypatch.setattr(module, "OpenVinoRunner", lambda path, precision="fp32": built.setdefault(f"ov {precision} {path}", path))
    monkeypatch.setattr(module, "int8_model", lambda path, *args: f"{path}.int8")
    data = calibration.Calibration("s", [], [])
    for option in module.candidates(compact_model("fcn32s"), data, True, True,
                                    lambda winograd: "wino" if winograd else "plain"):
        if not option.name.startswith("torch"):
            option.build()
    assert set(built) == {"ort wino", "ort plain.int8", "ov fp32 wino", "ov bf16 plain", "ov fp32 plain.int8"}


def test_the_winograd_and_plain_graphs_share_a_key_only_without_wide_convolutions(monkeypatch):
    model = compact_model("fcn8s")  # compact: no convolution wide enough for Winograd
    assert cache.weights_key(model, 18, winograd=True) == cache.weights_key(model, 18, winograd=False)
    monkeypatch.setattr(cache, "winograd_layers", lambda m: ["conv3_2"])
    assert cache.weights_key(model, 18, winograd=True) != cache.weights_key(model, 18, winograd=False)


def test_the_weights_are_hashed_once_for_every_key_a_measurement_needs(monkeypatch, tmp_path):
    """Both graphs' keys and the verdict's come from one pass over the tensors (0.7 s for VGG16)."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    real, calls = cache.tensors_digest, []
    counting = lambda model: calls.append(1) or real(model)  # noqa: E731
    monkeypatch.setattr(cache, "tensors_digest", counting)
    monkeypatch.setattr(backends, "tensors_digest", counting)
    exported = []

    def export(model, path, winograd):
        exported.append(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    monkeypatch.setattr(backends, "export_isolated", export)
    monkeypatch.setattr(backends, "candidates", lambda model, data, bf16, ov, export: [
        Candidate("torch fp32", True, lambda: export(True) and FakeRunner("torch fp32", 0.01)),
        Candidate("openvino bf16", False, lambda: export(False) and FakeRunner("openvino bf16", 0.005))])
    model = compact_model("fcn8s")
    backends.measured_runtime(model, calibration.Calibration("s", [], HELD_OUT))
    assert len(calls) == 1 and len(exported) == 1  # one graph for both (no wide convolutions), hashed once
    assert exported[0].name == f"{cache.weights_key(model, backends.OPSET)}.onnx"
