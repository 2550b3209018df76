"""`fcn-studio bench`'s backend rows (issue #19), on compact nets and tiny inputs."""

import numpy as np
import pytest

from fcn_studio.benchmarks import report
from fcn_studio.benchmarks.backends import backend_rows, load_latency_rows, padding_rows, trained_backend_rows
from fcn_studio.benchmarks.gpu import gpu_sections
from fcn_studio.benchmarks.inference import with_random_scores
from fcn_studio.engine import build_model
from fcn_studio.engine.backends.runners import openvino_installed

from tests.compact_models import compact_model

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

# The suite pins auto to PyTorch fp32 (tests/conftest.py) and bf16 off: the candidates of a CPU without it.
CANDIDATES = ["torch fp32  ← the default's pick", "onnxruntime fp32", "onnxruntime int8"] + (
    ["openvino fp32", "openvino int8"] if openvino_installed() else [])


def test_interleaved_takes_medians_after_a_warm_up_round_in_changing_orders():
    from fcn_studio.engine.backends.measured import interleaved

    calls = []
    out = interleaved({name: (lambda n=name: calls.append(n)) for name in "abcd"}, repeat=7, settle=0)
    rounds = [calls[i : i + 4] for i in range(0, len(calls), 4)]
    assert len(rounds) == 8 and all(sorted(r) == list("abcd") for r in rounds)
    assert set(out) == set("abcd") and min(out.values()) >= 0
    after_a = {r[r.index("a") + 1] for r in rounds if r.index("a") < 3}
    assert len(after_a) > 1  # "a" (an eager forward, say) is not always followed by the same path


def test_interleaved_times_each_call_right_after_a_settling_call_of_the_same_path(monkeypatch):
    from fcn_studio.engine.backends import measured

    now, calls = [0.0], []

    def path(name: str) -> None:  # 10 s right after another path's call (the switch), 1 s after its own
        now[0] += 1.0 if calls and calls[-1] == name else 10.0
        calls.append(name)

    monkeypatch.setattr(measured.time, "perf_counter", lambda: now[0])
    fns = {name: (lambda n=name: path(n)) for name in "abc"}
    assert measured.interleaved(fns, repeat=5, settle=1) == {"a": 1.0, "b": 1.0, "c": 1.0}
    assert len(calls) == 3 + 5 * 3 * 2  # the warm-up round, then a settling and a timed call of each
    calls.clear()
    switching = measured.interleaved(fns, repeat=5, settle=0)
    assert all(t == 10.0 for t in switching.values())  # without settling every call pays for the switch


def test_backend_rows_put_every_path_beside_plain_fp32():
    model = with_random_scores(build_model("fcn8s", width=0.0625))
    rows = backend_rows(model, size=48, repeat=1)
    assert [r.name for r in rows] == ["plain fp32 eager (baseline)", "Segmenter default: torch fp32", *CANDIDATES]
    assert rows[0].ratio == 1.0 and all(r.ratio > 0 and r.note.startswith("labels equal") for r in rows[1:])
    assert rows[1].note == rows[2].note == "labels equal 100.00 %"  # the suite pins auto to PyTorch fp32: the same forward


def test_the_plain_baseline_stays_nchw_beside_the_candidates():
    """The PyTorch fp32 candidate makes its model channels-last in place; the baseline must stay
    the plain NCHW forward it is named for (it did not: every ratio of #29's first table was
    against a channels-last baseline)."""
    model = with_random_scores(build_model("fcn32s", width=0.0625))
    backend_rows(model, size=40, repeat=1)
    convs = [p for p in model.parameters() if p.dim() == 4]
    assert convs and all(p.is_contiguous() for p in convs)


def test_padding_rows_put_trimmed_padding_beside_plain_eager_and_the_plain_runtime():
    rows = padding_rows(compact_model("fcn8s", seed=2), size=40, repeat=1)  # seed 2: the sections' export, cached
    assert [r.name for r in rows] == ["plain fp32 eager (baseline)", "PyTorch fp32 eager, trimmed padding",
                                      "ONNX Runtime fp32, plain trunk", "ONNX Runtime fp32, trimmed padding",
                                      "Segmenter default: torch fp32"]
    assert rows[0].ratio == 1.0 and all(r.ratio > 0 for r in rows)
    assert rows[1].note == rows[3].note == "labels equal 100.00 %"


def test_trained_rows_report_labels_on_every_image_and_the_gate():
    model = compact_model("fcn16s", seed=5)
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, (40, 40, 3), dtype=np.uint8) for _ in range(2)]
    rows = trained_backend_rows(model, images, repeat=1)
    assert [r.name for r in rows] == ["plain fp32 eager", "Segmenter default: torch fp32", *CANDIDATES]
    assert rows[0].ratio == 1.0 and all("worst image" in r.note for r in rows)


def test_latency_under_load_compares_spinning_and_not():
    rows = load_latency_rows(compact_model("fcn32s"), size=40, repeat=1, busy=1)
    assert [r.name.split(",")[0] for r in rows] == ["plain fp32 eager", "ONNX Runtime", "ONNX Runtime"]
    assert "workers spin" in rows[1].name and "no spinning" in rows[2].name and all("idle" in r.note for r in rows)


@pytest.mark.parametrize("shipped", [False, True])
def test_backend_sections_cover_random_and_shipped_weights(monkeypatch, tmp_path, shipped):
    from fcn_studio import save_model

    path = save_model(compact_model("fcn8s", seed=2), tmp_path / "fcn8s.safetensors")
    monkeypatch.setattr(report, "shipped_model", lambda name: path if shipped and name == "fcn8s.safetensors" else None)
    monkeypatch.setattr(report, "padding_rows", lambda *args: [])  # tested above; two exports less
    cfg = report.BenchConfig(width=0.0625, size=40, repeat=1, stitch_images=2, backend_size=40, busy=1)
    sections = report.backend_sections(cfg)
    titles = list(sections)
    assert titles[0].startswith("backends: fcn8s width 0.0625, 1×3×40×40, ") and "torch capability" in titles[0]
    assert titles[1].startswith("trimmed padding: fcn8s width 0.0625, 40², ")
    assert any(t.startswith("trimmed padding: shipped fcn8s") for t in titles) == shipped
    assert any(t.startswith("backends on trained weights: shipped fcn8s") for t in titles) == shipped
    assert titles[-2].startswith("latency under load") and titles[-1].startswith("GPU: ")


def test_the_gpu_section_says_why_it_is_empty_without_cuda(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert gpu_sections(1.0, 500, 3) == {"GPU: skipped, this machine has no CUDA device": []}
