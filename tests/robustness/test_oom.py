"""Out of memory in the forward pass (simulated): tiles, then the CPU, with a message; never a lost image."""

import numpy as np
import pytest
import torch
from PIL import Image

from fcn_studio.app.catalog import Catalog
from fcn_studio.app.jobs import SegmentJob
from fcn_studio.errors import ComputeError
from fcn_studio.app.session import Session, open_image_file
from fcn_studio.cli import main
from fcn_studio.engine import Segmenter, save_model
from fcn_studio.engine.memory import OOM_ERRORS, OutOfMemory
from tests.compact_models import compact_model, write_image
from tests.gui.conftest import drop, wait_idle

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

BIG = 832  # the fallback tiles (core 256 + 256 margin each side) are at most 768 px across
LIMIT = 768 * 768


def too_big(x):
    """The input convolution of an image larger than any fallback tile."""
    return x.shape[1] == 3 and x.shape[-2] * x.shape[-1] > LIMIT


def run_out_of_memory(monkeypatch, when):
    """Make every convolution whose input satisfies `when(x)` raise torch's out-of-memory error."""
    real = torch.nn.Conv2d.forward
    raised = []

    def forward(self, x):
        if when(x):
            raised.append(tuple(x.shape))
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 9.00 GiB (simulated)")
        return real(self, x)

    monkeypatch.setattr(torch.nn.Conv2d, "forward", forward)
    return raised


def big_image(tmp_path):
    return np.array(Image.open(write_image(tmp_path / "big.png", size=BIG)).convert("RGB"))


def test_torch_out_of_memory_errors_are_the_ones_caught():
    assert torch.OutOfMemoryError in OOM_ERRORS and torch.cuda.OutOfMemoryError in OOM_ERRORS


def test_out_of_memory_falls_back_to_tiles_with_the_same_labels(tmp_path, monkeypatch):
    seg = Segmenter(compact_model("fcn8s"), device="cpu")
    rgb = big_image(tmp_path)
    expected = seg.predict(rgb, scores=True)
    raised = run_out_of_memory(monkeypatch, too_big)
    pred = seg.predict(rgb, scores=True, intermediates=True)
    assert raised == [(1, 3, BIG, BIG)]  # the whole image once, never a tile
    assert pred.tiled and pred.intermediates is None
    assert pred.note == "out of memory on cpu: segmented in tiles of 256 px (no internal maps)"
    np.testing.assert_array_equal(pred.labels, expected.labels)
    np.testing.assert_allclose(pred.scores, expected.scores, atol=2e-3)


def test_out_of_memory_on_the_gpu_falls_back_to_the_cpu(monkeypatch):
    seg = Segmenter(compact_model("fcn8s"), device="cpu")
    rgb = np.random.default_rng(0).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    expected = seg.predict(rgb, intermediates=True)
    seg.device = torch.device("meta")  # stands in for a GPU: the patched convolution fails there first
    raised = run_out_of_memory(monkeypatch, lambda x: x.device.type != "cpu")
    pred = seg.predict(rgb, intermediates=True)
    assert len(raised) == 2  # whole image, then the first tile; then the CPU
    assert pred.note == "out of memory on meta: segmented on the CPU instead" and not pred.tiled
    np.testing.assert_array_equal(pred.labels, expected.labels)
    assert sorted(pred.intermediates) == sorted(expected.intermediates)
    assert seg.predict(rgb).note.endswith("on the CPU instead") and len(raised) == 4  # the CPU copy is reused


def test_out_of_memory_everywhere_is_a_clear_error_and_the_cli_goes_on(tmp_path, monkeypatch, capsys):
    seg = Segmenter(compact_model("fcn32s"), device="cpu")
    run_out_of_memory(monkeypatch, lambda x: True)
    with pytest.raises(OutOfMemory, match=r"out of memory on the CPU for a 48×48 image, even in tiles of 256 px"):
        seg.predict(np.zeros((48, 48, 3), np.uint8))
    model = save_model(compact_model("fcn32s"), tmp_path / "m.safetensors")
    image = write_image(tmp_path / "photo.png", size=48)
    assert main(["segment", str(image), "-m", str(model), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{image}: out of memory on the CPU for a 48×48 image" in err and "1 of 1 images could not be segmented" in err


def test_segment_job_names_the_image_when_memory_runs_out_everywhere(family, tmp_path, monkeypatch):
    session = Session(Catalog(family["8s"].parent))
    entry = session.catalog.find(family["32s"])
    image = open_image_file(write_image(tmp_path / "photo.png", size=48))
    run_out_of_memory(monkeypatch, lambda x: True)
    with pytest.raises(ComputeError, match=r"photo\.png: with fcn32s\.safetensors: out of memory on the CPU"):
        list(SegmentJob(session, image, [entry], "cpu").run())


def test_the_window_shows_the_tiled_result_and_says_why(qtbot, window, tmp_path, monkeypatch):
    path = write_image(tmp_path / "big.png", size=BIG)
    run_out_of_memory(monkeypatch, too_big)
    window.view_model.head = "32s"
    window.view_model.model = window.session.catalog.find(window.view_model.family["32s"].path)
    drop(window, [path])
    wait_idle(qtbot, window, "big.png")
    pred = window.view_model.prediction()
    assert pred is not None and pred.tiled and window.isVisible() and not window.errors.isVisible()
    assert "out of memory on cpu: segmented in tiles of 256 px" in window.status.timing.text()
