"""`fcn-studio IMAGE --model M --head H --screenshot PNG` opens, segments, saves the window, exits 0."""

import pytest
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from tests.compact_models import write_image


@pytest.mark.slow
def test_screenshot_mode_saves_the_segmented_window(family, tmp_path):
    image = write_image(tmp_path / "a.png", size=64, mask=True)
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"), HOME=str(tmp_path),
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    res = subprocess.run([sys.executable, "-m", "fcn_studio", str(image), "--model", str(family["8s"]), "--head", "16s",
                          "--compare", "--screenshot", str(out)], capture_output=True, text=True, env=env, timeout=240)
    assert res.returncode == 0, res.stderr[-2000:]
    shot = np.array(Image.open(out).convert("RGB"))
    assert shot.shape[0] >= 600 and shot.shape[1] >= 1000
    assert len(np.unique(shot.reshape(-1, 3), axis=0)) > 200  # a drawn window, not a blank one
    # all three heads were computed before the picture: their models were each loaded once
    loads = [line for line in res.stderr.splitlines() if "loading" in line]
    assert sorted(Path(line.split("loading ")[1].split(" on ")[0]).name for line in loads) == \
        ["fcn16s.safetensors", "fcn32s.safetensors", "fcn8s.safetensors"]
    assert "screenshot" in res.stderr
