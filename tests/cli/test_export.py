"""`fcn-studio export MODEL OUT.onnx` and `segment --backend`: the deployment path from the CLI."""

import pytest
import numpy as np
import onnxruntime as ort
import torch
from PIL import Image

from fcn_studio import save_model
from fcn_studio.cli import main
from fcn_studio.engine import open_model
from fcn_studio.engine.backends import Runtime
from fcn_studio.engine.backends.runners import OrtRunner

from tests.compact_models import compact_model
from tests.images import write_mode_images

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def test_export_writes_an_onnx_graph_that_runs_like_the_model(tmp_path, capsys):
    path = save_model(compact_model("fcn8s", seed=1), tmp_path / "m.safetensors")
    out = tmp_path / "deploy" / "m.onnx"
    assert main(["export", str(path), str(out)]) == 0
    printed = capsys.readouterr().out
    assert "opset 18" in printed
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    model = open_model(path).eval()
    # Output 0 is the logits, for a deployment tool that takes the first output; the other maps
    # follow in the forward's order, and the runtimes, which ask by name, hand the app that order.
    with torch.no_grad():
        forward = list(model.intermediates(torch.zeros(1, 3, 40, 40)))
    names = [o.name for o in session.get_outputs()]
    assert names[0] == "logits" and forward[-1] == "logits" and names == ["logits", *forward[:-1]]
    assert f"outputs {', '.join(names)}" in printed
    assert list(Runtime(OrtRunner(out), str(out)).maps(torch.zeros(1, 3, 40, 40), intermediates=True)) == forward
    for h, w in ((37, 52), (64, 48)):
        x = torch.randn(1, 3, h, w)
        logits = session.run(["logits"], {"image": x.numpy()})[0]
        with torch.no_grad():
            np.testing.assert_allclose(logits, model(x).numpy(), atol=2e-4, rtol=1e-4)


def test_export_errors_are_one_line(tmp_path, capsys):
    assert main(["export", str(tmp_path / "nope.safetensors"), str(tmp_path / "x.onnx")]) == 1
    assert "no such model file" in capsys.readouterr().err
    path = save_model(compact_model("fcn32s"), tmp_path / "m.safetensors")
    assert main(["export", str(path), str(tmp_path / "x.onnx"), "--opset", "13"]) == 1
    assert "at least 17" in capsys.readouterr().err


def test_segment_on_onnx_runtime_writes_the_same_labels_as_pytorch(tmp_path):
    path = str(save_model(compact_model("fcn16s", seed=2), tmp_path / "m.safetensors"))
    images = [str(p) for p, _ in write_mode_images(tmp_path).values()][:2]
    for backend in ("torch", "onnxruntime"):
        assert main(["segment", *images, "-m", path, "-o", str(tmp_path / backend), "--backend", backend,
                     "--precision", "fp32"]) == 0
    for name in images:
        stem = name.rsplit("/", 1)[1].rsplit(".", 1)[0]
        a, b = (np.array(Image.open(tmp_path / k / f"{stem}.png")) for k in ("torch", "onnxruntime"))
        assert (a == b).mean() > 0.999


def test_segment_calibrates_int8_on_a_folder_and_says_which_path(tmp_path, monkeypatch, caplog):
    import logging

    from fcn_studio.engine.backends import cache

    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    path = str(save_model(compact_model("fcn32s", seed=4), tmp_path / "m.safetensors"))
    folder = tmp_path / "own"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    with caplog.at_level(logging.INFO):
        assert main(["segment", str(folder / "0.png"), "-m", path, "-o", str(tmp_path / "o"),
                     "--backend", "onnxruntime", "--calibrate", str(folder)]) == 0
    assert "segmenting with onnxruntime" in caplog.text and "int8" in caplog.text
    record = cache.read_json(next((tmp_path / "cache" / "onnx").glob("*.int8.json")))
    assert record["source"] == f"4 images of {folder}" and record["images"] == 2
    assert main(["segment", str(folder / "0.png"), "-m", path, "--calibrate", str(tmp_path / "none")]) == 1
