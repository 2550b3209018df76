import numpy as np
import pytest
from PIL import Image

from fcn_studio import save_model
from fcn_studio.cli import main

from tests.engine.test_fcn import randomised
from tests.images import write_mode_images


@pytest.fixture
def model_file(tmp_path):
    return str(save_model(randomised("fcn8s", num_classes=5), tmp_path / "tiny.safetensors"))


def test_segment_writes_a_label_png_of_the_input_size_for_every_mode(tmp_path, model_file, capsys):
    images = write_mode_images(tmp_path)
    out = tmp_path / "out"
    code = main(["segment", *[str(p) for p, _ in images.values()], "-m", model_file, "-o", str(out), "--overlay"])
    assert code == 0
    for name, (path, (h, w)) in images.items():
        label = Image.open(out / f"{path.stem}.png")
        assert label.mode == "P" and label.size == (w, h), name
        assert np.array(label).max() < 5
        assert Image.open(out / f"{path.stem}_overlay.png").size == (w, h)
    assert "RGB.png" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["corrupt", "missing", "text"])
def test_segment_bad_input_names_the_file_and_fails(tmp_path, model_file, capsys, kind):
    path = tmp_path / f"{kind}.png"
    if kind == "corrupt":
        Image.new("RGB", (40, 40), "blue").save(path)
        path.write_bytes(path.read_bytes()[:50])
    elif kind == "text":
        path.write_text("hello")
    good = tmp_path / "good.png"
    Image.new("RGB", (9, 9)).save(good)
    code = main(["segment", str(path), str(good), "-m", model_file, "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and f"{kind}.png" in err
    assert (tmp_path / "out" / "good.png").exists()  # the good image is still done


def test_segment_with_a_missing_model_is_a_clear_error(tmp_path, capsys):
    code = main(["segment", "x.png", "-m", str(tmp_path / "nope.safetensors")])
    assert code == 1 and "nope.safetensors: no such model file" in capsys.readouterr().err


def test_info_and_import_weights(tmp_path, model_file, capsys):
    import torch

    assert main(["info", model_file]) == 0
    out = capsys.readouterr().out
    assert "fcn8s (output stride 8)" in out and "classes (5)" in out
    pth = tmp_path / "fcn32s_from_caffe.pth"
    torch.save(randomised("fcn32s", num_classes=21).state_dict(), pth)
    dst = tmp_path / "imported.safetensors"
    assert main(["import-weights", str(pth), str(dst)]) == 0
    assert main(["info", str(dst), "--json"]) == 0
    assert '"channel_order": "BGR"' in capsys.readouterr().out
    assert main(["import-weights", str(pth), str(tmp_path / "x.bin")]) == 1


def test_no_display_runs_headless_and_says_so(tmp_path, model_file, monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    img = tmp_path / "photo.png"
    Image.new("RGB", (12, 10), "green").save(img)
    out = tmp_path / "headless"
    assert main([str(img), "-m", model_file, "--headless-out", str(out)]) == 0
    assert "no display found" in capsys.readouterr().err
    assert Image.open(out / "photo.png").size == (12, 10) and (out / "photo_overlay.png").exists()


def test_python_dash_m_entry_point():
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "fcn_studio", "--version"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.startswith("fcn-studio ")


def test_first_ctrl_c_cancels_and_the_second_stops_at_once(capsys):
    import signal

    import pytest

    from fcn_studio.cli.train import first_interrupt_cancels
    from fcn_studio.training import CancelToken

    token = CancelToken()
    handler = first_interrupt_cancels(token)
    handler(signal.SIGINT, None)
    assert token.cancelled and "checkpoint will be saved" in capsys.readouterr().err
    with pytest.raises(KeyboardInterrupt):
        handler(signal.SIGINT, None)


def test_a_cancelled_stage_tells_the_terminal_the_command_that_continues_it(capsys):
    from fcn_studio.cli.train import TrainPrinter
    from fcn_studio.training.events import StageFinished

    TrainPrinter(run_dir="runs/first")(StageFinished("32s", "cancelled", 5, "cancelled at update 5; checkpoint saved in runs/first"))
    TrainPrinter(run_dir="runs/first")(StageFinished("32s", "done", 9, "done"))
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["stage 32s cancelled: cancelled at update 5; checkpoint saved in runs/first",
                     "continue with: fcn-studio train --resume runs/first", "stage 32s done: done"]
