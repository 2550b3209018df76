"""Issue 16, items 3, 6, 7, 8, 14, 17: each CLI fault is one line naming the file (rc 1), and the
rest of a batch still goes through."""

import io
import os
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from fcn_studio.cli import main
from fcn_studio.engine import Segmenter, save_model
from fcn_studio.engine.memory import OutOfMemory
from fcn_studio.images import set_max_image_pixels
from tests.compact_models import compact_model, write_image
from tests.robustness.files import png_bomb


@pytest.fixture
def model(tmp_path):
    return save_model(compact_model("fcn32s"), tmp_path / "m.safetensors")


def one_error_line(err):
    lines = [line for line in err.splitlines() if line.startswith("fcn-studio: error")]
    assert lines and "Traceback" not in err, err
    return lines


@pytest.mark.parametrize("command", ["segment", "train", "eval"])
def test_an_unknown_device_is_one_line(tmp_path, model, capsys, command, colour_set):
    args = {"segment": ["segment", str(write_image(tmp_path / "a.png", 32)), "-m", str(model), "-o", str(tmp_path / "o")],
            "train": ["train", "--data", str(colour_set), "--out", str(tmp_path / "run")],
            "eval": ["eval", str(model), str(colour_set)]}[command]
    assert main([*args, "--device", "bogus"]) == 1
    assert "unknown device 'bogus'; use auto, cpu, cuda or cuda:N" in one_error_line(capsys.readouterr().err)[0]
    assert not (tmp_path / "run").exists()


def test_device_names_are_checked():
    with pytest.raises(ValueError, match="unknown device"):
        Segmenter(compact_model("fcn32s"), device="bogus")
    with pytest.raises(ValueError, match="not supported"):
        Segmenter(compact_model("fcn32s"), device="meta")


def test_a_non_utf8_file_name_is_printed_and_the_batch_goes_on(tmp_path, model, monkeypatch):
    odd = os.fsdecode(os.fsencode(str(tmp_path)) + b"/caf\xe9.png")  # Latin-1 bytes: not UTF-8
    write_image(tmp_path / "plain.png", 32)
    os.link(tmp_path / "plain.png", os.fsencode(odd))
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["segment", odd, str(tmp_path / "plain.png"), "-m", str(model), "-o", str(tmp_path / "o")]) == 0
    out.flush()
    text = out.buffer.getvalue().decode("utf-8")
    assert "caf\ufffd.png → " in text and "plain.png → " in text


def test_an_output_folder_that_is_a_file_is_one_line(tmp_path, model, capsys):
    taken = tmp_path / "taken"
    taken.write_text("x")
    assert main(["segment", str(write_image(tmp_path / "a.png", 32)), "-m", str(model), "-o", str(taken)]) == 1
    assert f"{taken}: cannot use this as the output folder" in one_error_line(capsys.readouterr().err)[0]


def deny_writes(monkeypatch, under):
    """What a read-only folder does for a user who is not root: creating a file in it fails."""
    import tempfile

    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and str(dir).startswith(str(under)):
            raise PermissionError(13, "Permission denied", str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def test_a_read_only_output_folder_names_each_file_and_leaves_nothing(tmp_path, model, capsys, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    deny_writes(monkeypatch, ro)
    images = [str(write_image(tmp_path / f"{n}.png", 32, seed=i)) for i, n in enumerate("ab")]
    assert main(["segment", *images, "-m", str(model), "-o", str(ro)]) == 1
    err = capsys.readouterr().err
    lines = one_error_line(err)
    assert f"{ro / 'a.png'}: could not write the label PNG (Permission denied); nothing was written" in lines[0]
    assert len(lines) == 2 and "2 of 2 images could not be segmented" in err and os.listdir(ro) == []


def test_eval_json_and_import_weights_to_an_unwritable_place_are_one_line(tmp_path, model, capsys, monkeypatch, colour_set):
    ro = tmp_path / "ro"
    ro.mkdir()
    deny_writes(monkeypatch, ro)
    assert main(["import-weights", str(model), str(ro / "copy.safetensors")]) == 1
    assert f"{ro / 'copy.safetensors'}: could not save the model" in one_error_line(capsys.readouterr().err)[0]
    assert os.listdir(ro) == []
    three = save_model(three_class_model(), tmp_path / "three.safetensors")
    assert main(["eval", str(three), str(colour_set), "--quiet", "--device", "cpu", "--json", str(ro / "m.json")]) == 1
    assert f"{ro / 'm.json'}: could not write the metrics JSON (Permission denied)" in one_error_line(capsys.readouterr().err)[0]
    assert os.listdir(ro) == []


def three_class_model():
    """A compact model with the colour set's three classes."""
    from fcn_studio.engine import ModelInfo, build_model

    info = ModelInfo(arch="fcn32s", num_classes=3, width=0.0625)
    return build_model("fcn32s", 3, 0.0625, info)


def test_the_top_level_turns_a_stray_os_error_into_one_line(tmp_path, model, capsys, monkeypatch):
    from fcn_studio.cli import info

    def fail(args):
        raise OSError(28, "No space left on device", str(tmp_path / "x"))

    monkeypatch.setattr(info, "run", fail)
    assert main(["info", str(model)]) == 1
    assert capsys.readouterr().err == f"fcn-studio: error: {tmp_path / 'x'}: No space left on device\n"


def test_a_bomb_beyond_memory_with_no_pixel_limit_fails_alone(tmp_path, model, capsys, monkeypatch):
    bomb = png_bomb(tmp_path / "bomb.png", 3000, 3000)
    good = write_image(tmp_path / "good.png", 32)
    real = Image.Image.convert

    def convert(self, *args, **kwargs):  # what a 20000² bomb does to a machine with 2 GB free
        if self.size[0] * self.size[1] > 1_000_000:
            raise MemoryError
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "convert", convert)
    try:
        assert main(["segment", str(bomb), str(good), "-m", str(model), "-o", str(tmp_path / "o"), "--max-pixels", "0"]) == 1
    finally:
        set_max_image_pixels(100_000_000)
    err = capsys.readouterr().err
    assert f"{bomb}: not enough memory to decode this image" in one_error_line(err)[0]
    assert (tmp_path / "o" / "good.png").is_file() and not (tmp_path / "o" / "bomb.png").exists()


CPU_ALLOC = "[enforce fail at alloc_cpu.cpp:117] . DefaultCPUAllocator: can't allocate memory: you tried to allocate 9663676416 bytes."


def cpu_allocation_fails(monkeypatch, when):
    real = torch.nn.Conv2d.forward

    def forward(self, x):
        if when(x):
            raise RuntimeError(CPU_ALLOC)
        return real(self, x)

    monkeypatch.setattr(torch.nn.Conv2d, "forward", forward)


@pytest.mark.slow
def test_a_cpu_allocation_failure_falls_back_to_tiles(monkeypatch):
    seg = Segmenter(compact_model("fcn8s"), device="cpu")
    rgb = np.random.default_rng(0).integers(0, 256, (832, 832, 3), dtype=np.uint8)
    expected = seg.predict(rgb)
    cpu_allocation_fails(monkeypatch, lambda x: x.shape[1] == 3 and x.shape[-1] * x.shape[-2] > 768 * 768)
    pred = seg.predict(rgb)
    assert pred.tiled and pred.note == "out of memory on cpu: segmented in tiles of 256 px (no internal maps)"
    np.testing.assert_array_equal(pred.labels, expected.labels)


def test_a_cpu_allocation_failure_everywhere_is_a_clear_message(monkeypatch):
    seg = Segmenter(compact_model("fcn32s"), device="cpu")
    cpu_allocation_fails(monkeypatch, lambda x: True)
    with pytest.raises(OutOfMemory, match="out of memory on the CPU for a 48×48 image, even in tiles"):
        seg.predict(np.zeros((48, 48, 3), np.uint8))


def test_other_runtime_errors_are_not_taken_for_memory(monkeypatch):
    seg = Segmenter(compact_model("fcn32s"), device="cpu")
    monkeypatch.setattr(torch.nn.Conv2d, "forward", lambda self, x: (_ for _ in ()).throw(RuntimeError("a real bug")))
    with pytest.raises(RuntimeError, match="a real bug"):
        seg.predict(np.zeros((48, 48, 3), np.uint8))


def test_inputs_sharing_a_name_get_unique_outputs(tmp_path, model, capsys):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        write_image(tmp_path / folder / "x.png", 32, seed=len(folder))
    Image.open(tmp_path / "a" / "x.png").save(tmp_path / "x.jpg")
    images = [str(tmp_path / "a" / "x.png"), str(tmp_path / "b" / "x.png"), str(tmp_path / "x.jpg")]
    out = tmp_path / "out"
    assert main(["segment", *images, "-m", str(model), "-o", str(out), "--overlay"]) == 0
    assert sorted(os.listdir(out)) == ["x-2.png", "x-2_overlay.png", "x-3.png", "x-3_overlay.png", "x.png", "x_overlay.png"]
    text = capsys.readouterr().out
    assert f"{images[1]} → {out / 'x-2.png'}" in text and f"{images[2]} → {out / 'x-3.png'}" in text


def test_a_second_run_into_one_folder_refuses_unless_overwrite(tmp_path, model, capsys):
    image = str(write_image(tmp_path / "x.png", 32))
    out = tmp_path / "out"
    assert main(["segment", image, "-m", str(model), "-o", str(out)]) == 0
    before = (out / "x.png").stat().st_mtime_ns
    capsys.readouterr()
    assert main(["segment", image, "-m", str(model), "-o", str(out)]) == 1
    line = one_error_line(capsys.readouterr().err)[0]
    assert "1 output file(s) exist already" in line and "--overwrite replaces them" in line
    assert (out / "x.png").stat().st_mtime_ns == before
    assert main(["segment", image, "-m", str(model), "-o", str(out), "--overwrite"]) == 0
    assert f"→ {out / 'x.png'} (replaced)" in capsys.readouterr().out


def test_the_headless_app_opens_folders(tmp_path, model, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(sys, "platform", "linux")
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("a", "b"):
        write_image(folder / f"{name}.png", 32)
    out = tmp_path / "out"
    for _ in range(2):  # the app's own folder: a second launch replaces the first's results
        assert main([str(folder), "-m", str(model), "--headless-out", str(out)]) == 0
    assert sorted(os.listdir(out)) == ["a.png", "a_overlay.png", "b.png", "b_overlay.png"]
    assert "is a folder" not in capsys.readouterr().err


def test_a_mistyped_command_is_suggested(tmp_path, capsys):
    assert main(["segmnt", "img.png"]) == 2
    assert capsys.readouterr().err == "fcn-studio: error: unknown command 'segmnt'; did you mean segment?\n"
