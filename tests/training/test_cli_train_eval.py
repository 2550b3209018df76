import json

import pytest

from fcn_studio.cli import main
from fcn_studio.training import save_recipe

from .conftest import quick_recipe

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


@pytest.fixture(scope="module")
def trained(colour_set, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    recipe = save_recipe(quick_recipe(iterations=6, eval_every=3), tmp / "r.toml")
    run = tmp / "run"
    code = main(["train", "--data", str(colour_set), "--out", str(run), "--recipe", str(recipe), "--width", "0.0625"])
    return code, run, tmp


def test_train_writes_a_run_folder_and_prints_a_summary(trained, capsys):
    code, run, _ = trained
    assert code == 0
    assert {p.name for p in run.iterdir()} >= {"config.json", "metrics.jsonl", "checkpoints", "best.safetensors"}
    config = json.loads((run / "config.json").read_text())
    assert config["recipe"]["iterations"] == 6 and config["width"] == 0.0625


def test_train_output_has_progress_evaluations_and_summary(colour_set, tmp_path, capsys):
    recipe = save_recipe(quick_recipe(iterations=4, eval_every=2), tmp_path / "r.json")
    assert main(["train", "--data", str(colour_set), "--out", str(tmp_path / "r"), "--recipe", str(recipe),
                 "--width", "0.0625", "--lr", "1e-3"]) == 0
    out = capsys.readouterr().out
    assert "stage 32s: fcn32s, 4 updates" in out
    assert "4/4 updates" in out and "img/s" in out and "ETA" in out
    assert out.count("val @ ") == 2 and "mean IU" in out
    assert "summary" in out and "rectangle" in out and "band" in out
    assert json.loads((tmp_path / "r" / "config.json").read_text())["recipe"]["lr"] == 1e-3


def test_eval_prints_metrics_and_writes_json(trained, colour_set, capsys, tmp_path):
    _, run, _ = trained
    out_json = tmp_path / "m.json"
    assert main(["eval", str(run / "best.safetensors"), str(colour_set), "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    data = json.loads(out_json.read_text())
    assert set(data) >= {"pixel_acc", "mean_acc", "mean_iu", "fwiu", "iu", "boundary", "interior"}
    assert len(data["iu"]) == 3 and 0 <= data["mean_iu"] <= 1
    # what the figure covers: the colour set's val masks label every pixel of its 4 images of 48²
    assert (data["pixels"], data["labelled_pixels"], data["labelled_fraction"], data["dense_images"]) == (4 * 48 * 48, 4 * 48 * 48, 1.0, 4)
    assert f"mean IU {100 * data['mean_iu']:.1f}" in out
    assert "disc" in out and "within 4 px of boundaries" in out


def test_errors_name_what_is_wrong(trained, colour_set, tmp_path, capsys):
    _, run, _ = trained
    assert main(["train", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x")]) == 1
    assert "nowhere" in capsys.readouterr().err
    assert main(["train", "--data", str(colour_set), "--out", str(run)]) == 1
    assert "already holds a run" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "empty")]) == 1
    assert "config.json" in capsys.readouterr().err
    assert main(["train", "--data", str(colour_set), "--out", str(tmp_path / "y"), "--recipe", "nope"]) == 1
    assert "nope" in capsys.readouterr().err
    assert main(["eval", str(run / "best.safetensors"), str(colour_set), "--split", "missing"]) == 1
    assert "missing" in capsys.readouterr().err
    assert main(["train"]) == 1
    assert "--data ROOT and --out RUN" in capsys.readouterr().err
