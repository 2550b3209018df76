"""The shift-and-stitch vs learned upsampling comparison: accuracy and cost, from the library and the CLI."""

import numpy as np
import pytest
import torch

from fcn_studio import build_model, save_model
from fcn_studio.benchmarks import report
from fcn_studio.benchmarks.report import BenchConfig, upsampling_sections
from fcn_studio.benchmarks.upsampling import stitch_accuracy_rows, synthetic_val
from fcn_studio.cli import main
from fcn_studio.data.synthetic import SyntheticScenes
from fcn_studio.engine import ConfusionMatrix, ModelInfo, Segmenter
from fcn_studio.engine.model_info import to_input
from fcn_studio.engine.shift_stitch import stitched_logits

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def scene_model(arch="alexnet-fcn32s"):
    """A compact net with the synthetic scenes' 16 classes and random score weights."""
    scenes = SyntheticScenes(1, 32)
    torch.manual_seed(0)
    info = ModelInfo(arch=arch, num_classes=scenes.num_classes, width=0.0625, class_names=list(scenes.class_names))
    model = build_model(arch, num_classes=scenes.num_classes, width=0.0625, info=info)
    with torch.no_grad():
        model.score_fr.weight.normal_(0, 0.5)
        model.score_fr.bias.normal_(0, 0.5)
    return model.eval()


def test_accuracy_rows_score_the_same_images_with_each_upsampling():
    model, data = scene_model(), synthetic_val(3, 48)
    rows = stitch_accuracy_rows(model, data, factors=(2,))
    assert [r.name for r in rows] == ["alexnet-fcn32s learned upsampling (1 pass)", "shift-and-stitch ×2 (4 passes, stride 16)"]
    learned, stitched = ConfusionMatrix(16), ConfusionMatrix(16)
    seg = Segmenter(model, device="cpu", precision="fp32")
    for i in range(3):
        rgb, truth = data.load(i)
        learned.update(seg.predict(rgb).labels, truth)
        with torch.no_grad():
            stitched.update(stitched_logits(model, to_input(rgb, model.info.input), 2).argmax(1)[0].numpy(), truth)
    miu_l, miu_s = learned.compute()["mean_iu"], stitched.compute()["mean_iu"]
    assert rows[0].note == f"mean IU {miu_l:.3f}" and rows[1].note.startswith(f"mean IU {miu_s:.3f} ({miu_s - miu_l:+.3f})")
    assert rows[0].ratio == 1.0 and rows[1].ratio == pytest.approx(rows[0].seconds / rows[1].seconds)
    assert rows[0].seconds > 0 and rows[1].seconds > 0  # (at 48 px, per-call overhead hides the 4 passes' cost)


def test_accuracy_rows_refuse_a_model_of_other_classes():
    with pytest.raises(ValueError, match="21 classes but the evaluation set has 16"):
        stitch_accuracy_rows(build_model("fcn32s", width=0.0625), synthetic_val(1, 32))


def test_upsampling_section_uses_the_given_model_or_the_shipped_fcn32s(tmp_path, monkeypatch):
    path = save_model(scene_model("fcn32s"), tmp_path / "m.safetensors")
    cfg = BenchConfig(stitch_images=2, stitch_size=40, accuracy_factors=(2,))
    monkeypatch.setattr(report, "shipped_stitch_model", lambda: None)
    assert upsampling_sections(cfg, required=False) == {}
    with pytest.raises(ValueError, match="no FCN-32s"):
        upsampling_sections(cfg)
    cfg.model = str(save_model(scene_model("fcn8s"), tmp_path / "skip.safetensors"))
    assert upsampling_sections(cfg, required=False) == {}  # a skip net is not stitched
    monkeypatch.setattr(report, "shipped_stitch_model", lambda: path)
    (title, rows), = upsampling_sections(cfg).items()
    assert "fcn32s width 0.0625, 2 held-out synthetic scenes of 40 px" in title and len(rows) == 2


def test_cli_bench_upsampling_prints_the_comparison(tmp_path, capsys, monkeypatch):
    path = save_model(scene_model(), tmp_path / "a32.safetensors")
    code = main(["bench", "--upsampling", "--stitch-model", str(path), "--images", "2", "--image-size", "40",
                 "--factors", "2,4"])
    out = capsys.readouterr().out
    assert code == 0 and "mean IU and time per image, alexnet-fcn32s" in out
    assert "shift-and-stitch ×4 (16 passes, stride 8)" in out and out.count("mean IU 0.") == 3
    monkeypatch.setattr(report, "shipped_stitch_model", lambda: None)
    assert main(["bench", "--upsampling"]) == 1 and "no FCN-32s to compare" in capsys.readouterr().err
    assert main(["bench", "--upsampling", "--factors", "2,x"]) == 1 and "--factors" in capsys.readouterr().err


def test_cli_segment_shift_stitch_writes_the_stitched_labels(tmp_path, capsys):
    from PIL import Image

    model = scene_model()
    path = save_model(model, tmp_path / "a32.safetensors")
    rgb = np.random.default_rng(0).integers(0, 256, (37, 50, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "img.png")
    out = tmp_path / "out"
    assert main(["segment", str(tmp_path / "img.png"), "-m", str(path), "-o", str(out), "--shift-stitch",
                 "--stitch-factor", "4"]) == 0
    expected = Segmenter(model, device="cpu", upsampling="shift-stitch", stitch_factor=4).predict(rgb).labels
    np.testing.assert_array_equal(np.array(Image.open(out / "img.png")), expected)
    skip = save_model(scene_model("fcn16s"), tmp_path / "s16.safetensors")
    assert main(["segment", str(tmp_path / "img.png"), "-m", str(skip), "--shift-stitch"]) == 1
    assert "fuses skips" in capsys.readouterr().err
    assert main(["segment", str(tmp_path / "img.png"), "-m", str(path), "--stitch-factor", "2"]) == 1
    assert "needs --shift-stitch" in capsys.readouterr().err


def test_the_shipped_fcn32s_is_found_by_name(tmp_path, monkeypatch):
    from fcn_studio.benchmarks import upsampling

    monkeypatch.setattr(upsampling, "models_dir", lambda: tmp_path)
    assert upsampling.shipped_stitch_model() is None
    save_model(scene_model("fcn32s"), tmp_path / "fcn32s.safetensors")
    assert upsampling.shipped_stitch_model() == tmp_path / "fcn32s.safetensors"
