"""Issue #29's 500² figure's model: an FCN-8s whose score layers learned synthetic scenes, whose
own images then gate reduced precision — here at a compact width, on tiny scenes, in seconds."""

from dataclasses import replace

import pytest

from fcn_studio.benchmarks import full_width
from fcn_studio.data.synthetic.own_scenes import own_scenes
from fcn_studio.data.synthetic.scene_set import SceneSet
from fcn_studio.engine import open_model




@pytest.mark.slow
def test_the_scenes_model_is_trained_once_and_carries_its_own_images(tmp_path):
    recipe = replace(full_width.RECIPE, iterations=3, images_per_update=2)
    train, test = SceneSet(n=12, size=48, seed=1, val_fraction=0.2), SceneSet(n=2, size=48, seed=20151)
    path = full_width.model_file(tmp_path, width=0.0625, train=train, test=test, recipe=recipe)
    model = open_model(path)
    assert (model.arch, model.width) == ("fcn8s", 0.0625)
    assert any(p.abs().sum() > 0 for n, p in model.named_parameters() if n.startswith("score_pool3"))  # it learned
    data = own_scenes(model)
    assert data is not None and data.held_out[0].shape[-1] == 48  # held-out scenes at its training size
    stamp = path.stat().st_mtime_ns
    assert full_width.model_file(tmp_path, width=0.0625, train=train, test=test, recipe=recipe) == path
    assert path.stat().st_mtime_ns == stamp  # kept, not trained again

    [(title, rows)] = full_width.full_width_sections([model], size=40, images=1, repeat=1).items()
    assert "width 0.0625, its score layers trained on 12 scenes of 48 px" in title
    assert rows[0].name == "plain fp32 eager" and rows[1].name.startswith("Segmenter default: ")
    assert all("labels equal" in r.note for r in rows)


def test_the_widened_shipped_model_keeps_its_labels_and_its_own_images():
    import torch

    shipped = open_model(full_width.models_dir() / "fcn8s.safetensors")
    wide = full_width.widened_shipped(0.25)
    assert wide.width == 0.25 and wide.info.notes == shipped.info.notes and own_scenes(wide) is not None
    x = torch.randn(1, 3, 64, 64) * 40
    with torch.no_grad():
        assert torch.equal(wide(x).argmax(1), shipped.eval()(x).argmax(1))
    assert full_width.describe(wide) == "the shipped FCN-8s (6000 scenes of 192 px) widened to width 0.25, the same function"


def test_bench_scenes_model_times_both_subjects_at_the_size_asked(monkeypatch, tmp_path, capsys):
    from fcn_studio import engine
    from fcn_studio.benchmarks.inference import Row
    from fcn_studio.cli import main

    monkeypatch.setenv("FCN_STUDIO_CACHE", str(tmp_path))
    asked = {}
    monkeypatch.setattr(full_width, "model_file", lambda folder: asked.setdefault("folder", folder) / "m.safetensors")
    monkeypatch.setattr(engine, "open_model", lambda path: f"trained {path.name}")
    monkeypatch.setattr(full_width, "widened_shipped", lambda: "widened")
    monkeypatch.setattr(full_width, "full_width_sections",
                        lambda models, size, repeat: asked.update(models=models, size=size, repeat=repeat)
                        or {"the section": [Row("plain fp32 eager", 1.0, 1.0, "")]})
    assert main(["bench", "--scenes-model", "--size", "320", "--repeat", "2"]) == 0
    assert asked == {"folder": tmp_path / "bench" / "full-width-scenes", "models": ["widened", "trained m.safetensors"],
                     "size": 320, "repeat": 2}
    assert "the section" in capsys.readouterr().out
