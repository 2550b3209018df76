import pytest

from fcn_studio.benchmarks.measure import count_flops, matmul_peak, median_seconds
from fcn_studio.benchmarks.report import BenchConfig, format_report, run_suite
from fcn_studio.benchmarks.upsampling import stitch_rows
from fcn_studio import build_model

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def test_flops_are_counted_for_the_full_net():
    """The guide's figure: FCN-8s VGG16 at 500×500 is 363 GFLOP."""
    assert round(count_flops(build_model("fcn8s", width=0.0625), (1, 3, 64, 64)) / 1e9, 3) > 0
    import torch

    with torch.device("meta"):
        full = build_model("fcn8s")
    assert abs(count_flops(full, (1, 3, 500, 500)) / 1e9 - 363.06) < 0.01


def test_measure_helpers_return_positive_figures():
    calls = []
    assert median_seconds(lambda: calls.append(1), repeat=3, warmup=2) >= 0 and len(calls) == 5
    assert matmul_peak(__import__("torch").float32, n=128, repeat=1) > 1e6


def test_suite_reports_every_section_with_ratios(monkeypatch):
    from fcn_studio.benchmarks import report

    monkeypatch.setattr(report, "shipped_stitch_model", lambda: None)  # accuracy: tests/benchmarks/test_upsampling.py
    monkeypatch.setattr(report, "shipped_model", lambda name: None)  # trained agreement: its own test below
    monkeypatch.setattr(report, "backend_sections", lambda cfg, model=None: {})  # tests/benchmarks/test_backends.py
    cfg = BenchConfig(width=0.0625, size=64, repeat=1, photo=(120, 160), training=((0.0625, 48, 2),))
    sections = run_suite(cfg)
    precision = next(iter(sections.values()))
    assert [r.name.split()[1] for r in precision[1:]] == ["fp32", "bf16"]
    assert precision[0].ratio == 1.0 and all(r.ratio > 0 and "labels equal" in r.note for r in precision[1:])
    dense = sections["dense vs patchwise (CVPR §3.1)"]
    cells = int(dense[0].name.split("(")[1].split()[0])  # a ratio of times, never a timed assertion
    assert dense[1].name.startswith(f"patch by patch, {cells} × 224²") and cells == 9  # 64 px → 3 × 3 score_fr cells
    assert dense[1].ratio == pytest.approx(dense[0].seconds / dense[1].seconds)
    assert "peak RSS" in sections["large image (tiled)"][0].note
    fp32, bf16, channels_last = sections["training throughput"]
    assert fp32.ratio == 1.0 and fp32.note == f"{2 / fp32.seconds:.1f} images/s" and "bf16" in bf16.name
    assert channels_last.name.endswith("fp32 channels-last") and channels_last.ratio > 0
    stitch = sections["shift-and-stitch vs learned upsampling (CVPR §3.2)"]
    assert [r.name.split("(")[1].split()[0] for r in stitch[1:]] == ["4", "16"]
    text = format_report(sections, "test machine")
    assert "GFLOP counted" in text and "all three heads" in text


def test_stitch_rows_time_every_factor_against_one_upsampling_pass():
    rows = stitch_rows("alexnet-fcn32s", width=0.0625, size=40, repeat=1, factors=(2, 4))
    assert [r.name for r in rows] == ["alexnet-fcn32s learned upsampling (1 pass)",
                                      "shift-and-stitch ×2 (4 passes, stride 16)", "shift-and-stitch ×4 (16 passes, stride 8)"]
    assert rows[0].ratio == 1.0 and all(r.seconds > 0 and r.ratio > 0 for r in rows)
    assert rows[2].seconds > rows[0].seconds  # 16 trunk passes cost more than one


def test_trained_agreement_rows_count_equal_labels_of_each_precision():
    import numpy as np

    from fcn_studio import Segmenter
    from fcn_studio.benchmarks.inference import trained_agreement_rows, with_random_scores
    from fcn_studio.engine import build_model

    model = with_random_scores(build_model("fcn8s", num_classes=5, width=0.0625), seed=3)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (40, 48, 3), dtype=np.uint8) for _ in range(2)]
    rows = trained_agreement_rows(model, images)
    assert [r.name for r in rows] == ["fcn8s fp32, 2 images", "fcn8s bf16"]
    fp32, bf16 = (Segmenter(model, device="cpu", precision=p) for p in ("fp32", "bf16"))
    same = sum(int((fp32.predict(x).labels == bf16.predict(x).labels).sum()) for x in images) / (2 * 40 * 48)
    assert rows[1].note == f"labels equal {100 * same:.2f} %"
    assert rows[0].ratio == 1.0 and rows[1].ratio == rows[0].seconds / rows[1].seconds > 0


def test_suite_adds_the_trained_agreement_section_when_a_model_is_shipped(monkeypatch, tmp_path):
    from fcn_studio import build_model, save_model
    from fcn_studio.benchmarks import report
    from fcn_studio.benchmarks.inference import with_random_scores

    path = save_model(with_random_scores(build_model("fcn8s", num_classes=16, width=0.0625)), tmp_path / "fcn8s.safetensors")
    monkeypatch.setattr(report, "shipped_model", lambda name: path if name == "fcn8s.safetensors" else None)
    sections = report.agreement_sections(BenchConfig(stitch_images=2, stitch_size=40))
    (title, rows), = sections.items()
    assert "shipped fcn8s, 2 held-out scenes of 40 px" in title and rows[1].note.startswith("labels equal")
