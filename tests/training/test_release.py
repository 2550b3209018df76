"""The release pipeline end to end on a tiny recipe: data, staged training, test scores, fp16 export."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open

from fcn_studio.errors import RecipeError
from fcn_studio.cli import main
from fcn_studio.data.detect import open_dataset
from fcn_studio.data.synthetic.scene import render_scene
from fcn_studio.data.synthetic.writer import scene_rng
from fcn_studio.engine.weights import load_model, read_info
from fcn_studio.training.evaluate import evaluate
from fcn_studio.training.scores import headline
from fcn_studio.training.release import load_release, results_table, run_release

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

TINY = """
[data]
n = 6
size = 48
seed = 1
val_fraction = 0.34
[test]
n = 3
size = 48
seed = 7
[samples]
n = 2
size = 40
seed = 9
[train]
width = 0.0625
family = "tiny-scenes"
[recipe]
optimizer = "adam"
lr = 1e-3
images_per_update = 2
batch_size = 2
eval_every = 2
checkpoint_every = 2
log_every = 1
stage_lr_scale = { "16s" = 0.5, "8s" = 0.5 }
[[models]]
name = "a32-fixed"
stage = "32s"
fixed = true
iterations = 1
family = "tiny-fixed"
[[models]]
name = "a32"
stage = "32s"
iterations = 2
[[models]]
name = "a16"
stage = "16s"
init = "a32"
iterations = 1
[[models]]
name = "a8"
stage = "8s"
init = "a16"
iterations = 1
"""


@pytest.fixture
def release_file(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_release_file_is_read_with_shared_and_per_model_fields(release_file):
    release = load_release(release_file)
    assert [s.name for s in release.steps] == ["a32-fixed", "a32", "a16", "a8"]
    fixed, _, s16, _ = release.steps
    assert fixed.recipe.fixed and fixed.family == "tiny-fixed" and fixed.recipe.iterations == 1
    assert s16.init == "a32" and s16.recipe.optimizer == "adam" and s16.recipe.stage_lr("16s") == pytest.approx(5e-4)
    assert release.width == 0.0625 and release.train.size == 48 and release.test.seed == 7


@pytest.mark.parametrize("edit, message", [
    (('init = "a32"', 'init = "a8"'), "not an earlier model"),
    (("seed = 7", "seed = 1"), "test scenes must use a seed the training data does not"),
    (("seed = 9", "seed = 1"), "samples scenes must use a seed the training data does not"),
    (("[test]", "[tests]"), "missing 'test'"),
    (("iterations = 2", "iterations = 0"), "iterations must be at least 1"),
])
def test_release_file_errors_name_the_file_and_the_problem(release_file, edit, message):
    release_file.write_text(TINY.replace(*edit), encoding="utf-8")
    with pytest.raises(RecipeError, match=message) as caught:
        load_release(release_file)
    assert str(release_file) in str(caught.value)


def test_run_release_trains_scores_and_exports_every_model(release_file, tmp_path):
    release = load_release(release_file)
    models = tmp_path / "checkout" / "models"
    rows = run_release(release, tmp_path / "run", models)
    assert [r["name"] for r in rows] == ["a32-fixed", "a32", "a16", "a8"]
    test = open_dataset(tmp_path / "run" / "test", "trainval")
    assert len(test) == 3
    for row in rows:
        path = models / f"{row['name']}.safetensors"
        with safe_open(str(path), framework="pt") as f:
            assert all(f.get_tensor(k).dtype == torch.float16 for k in f.keys())
        model = load_model(path)
        assert next(model.parameters()).dtype == torch.float32
        info = read_info(path)
        assert info.notes["data_seed"] == 1 and info.notes["data"]["test"]["seed"] == 7
        assert info.metrics["test"]["mean_iu"] == pytest.approx(row["metrics"]["mean_iu"])
        # the exported fp16 weights score as the trained ones did, within fp16 rounding
        again = headline(evaluate(model, test, band=release.band))
        assert again["pixel_acc"] == pytest.approx(info.metrics["test"]["pixel_acc"], abs=0.02)
    infos = {r["name"]: read_info(models / f"{r['name']}.safetensors") for r in rows}
    assert infos["a8"].arch == "fcn8s" and infos["a16"].arch == "fcn16s" and infos["a32"].arch == "fcn32s"
    assert infos["a8"].notes["family"] == "tiny-scenes" and infos["a32-fixed"].notes["family"] == "tiny-fixed"
    assert infos["a16"].notes["init"].endswith("a32/best.safetensors")
    fixed, learned = load_model(models / "a32-fixed.safetensors"), load_model(models / "a32.safetensors")
    # fixed: the trunk is the seeded init both 32s runs start from; only the score layer moved
    assert torch.equal(fixed.conv1_1.weight, fixed.conv1_1.weight.half().float())
    assert not torch.equal(fixed.conv1_1.weight, learned.conv1_1.weight)
    samples = sorted(p.name for p in (tmp_path / "checkout" / "resources" / "samples").iterdir())
    assert samples == ["scene-01.png", "scene-01_mask.png", "scene-02.png", "scene-02_mask.png"]
    mask = np.array(Image.open(tmp_path / "checkout" / "resources" / "samples" / "scene-02_mask.png"))
    assert np.array_equal(mask, render_scene(scene_rng(9, 1), 40)[1])
    table = (tmp_path / "run" / "results.md").read_text(encoding="utf-8")
    assert table.splitlines()[2].startswith("| a32-fixed | ") and "seed 7" in table
    assert json.loads((tmp_path / "run" / "results.json").read_text())[3]["name"] == "a8"


def test_run_release_again_reuses_data_and_finished_models(release_file, tmp_path):
    release = load_release(release_file)
    first = run_release(release, tmp_path / "run", None)
    stamp = (tmp_path / "run" / "data" / "classes.json").stat().st_mtime_ns
    second = run_release(release, tmp_path / "run", None)
    assert (tmp_path / "run" / "data" / "classes.json").stat().st_mtime_ns == stamp
    assert [r["metrics"]["mean_iu"] for r in first] == [r["metrics"]["mean_iu"] for r in second]


def test_results_table_is_in_percent(release_file):
    release = load_release(release_file)
    metrics = {"pixel_acc": 0.5, "mean_acc": 0.25, "mean_iu": 0.125, "fwiu": 0.4,
               "boundary": {"mean_iu": 0.1}, "interior": {"mean_iu": 0.2}}
    row = results_table([{"name": "m", "metrics": metrics}], release).splitlines()[2]
    assert row == "| m | 50.0 | 25.0 | 12.5 | 40.0 | 10.0 | 20.0 |"


def test_reproduce_command_prints_the_table(release_file, tmp_path, capsys):
    assert main(["reproduce", str(release_file), "--out", str(tmp_path / "run"), "--models", str(tmp_path / "m")]) == 0
    out = capsys.readouterr().out
    assert "| a8 | " in out and "4 models written" in out
    assert sorted(p.name for p in (tmp_path / "m").iterdir() if p.is_file()) == sorted(f"{n}.safetensors" for n in ("a16", "a32", "a32-fixed", "a8"))
