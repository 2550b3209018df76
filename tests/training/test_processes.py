"""Training in real processes: killed with SIGKILL and resumed; two ranks under torchrun."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from fcn_studio.errors import CheckpointError
from fcn_studio.data import open_dataset
from fcn_studio.engine import load_model
from fcn_studio.training import Evaluated, evaluate, save_recipe
from fcn_studio.training.checkpoint import checkpoint_path, load_checkpoint
from fcn_studio.training.run_folder import MetricsLog

from .conftest import quick_recipe

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

CLI = [sys.executable, "-m", "fcn_studio"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def train_args(data, recipe, out):
    return ["train", "--data", str(data), "--recipe", str(recipe), "--width", "0.0625", "--seed", "3", "--out", str(out)]


def wait_for_checkpoint(run, at_least, proc, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before it could be killed"
        try:
            if load_checkpoint(checkpoint_path(run))["iteration"] >= at_least:
                return
        except CheckpointError:
            pass
        time.sleep(0.02)
    pytest.fail("no checkpoint appeared")


def test_sigkill_mid_run_then_resume_equals_an_uninterrupted_run(colour_set, tmp_path):
    recipe = save_recipe(quick_recipe(iterations=40, checkpoint_every=1, eval_every=20), tmp_path / "r.toml")
    subprocess.run(CLI + train_args(colour_set, recipe, tmp_path / "whole"), check=True, env=ENV, capture_output=True)
    proc = subprocess.Popen(CLI + train_args(colour_set, recipe, tmp_path / "cut"), env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_checkpoint(tmp_path / "cut", 3, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = load_checkpoint(checkpoint_path(tmp_path / "cut"))
    assert not killed_at["finished"] and 3 <= killed_at["iteration"] < 40
    done = subprocess.run(CLI + ["train", "--resume", str(tmp_path / "cut")], env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"resuming at {killed_at['iteration']}" in done.stdout and "summary" in done.stdout
    a = load_checkpoint(checkpoint_path(tmp_path / "whole"))
    b = load_checkpoint(checkpoint_path(tmp_path / "cut"))
    assert a["iteration"] == b["iteration"] == 40 and b["finished"]
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert all(torch.equal(x["momentum_buffer"], y["momentum_buffer"]) if "momentum_buffer" in x else True
               for x, y in zip(a["optimizer"]["state"].values(), b["optimizer"]["state"].values()))


def test_two_process_torchrun_training_and_eval_equal_single_process_eval(colour_set, tmp_path):
    recipe = save_recipe(quick_recipe(iterations=4, eval_every=4, images_per_update=4, batch_size=2), tmp_path / "r.json")
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "fcn_studio"]
    run = tmp_path / "ddp"
    out = subprocess.run(torchrun + train_args(colour_set, recipe, run), env=ENV, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count("summary") == 1  # only rank 0 prints
    [final] = [r for r in MetricsLog(run).events() if isinstance(r, Evaluated)]
    assert final.iteration == 4
    model = load_model(run / "best.safetensors")
    single = evaluate(model, open_dataset(colour_set, "val"))
    assert final.metrics["iu"] == pytest.approx(single["iu"], abs=1e-12)
    assert final.metrics["boundary"]["pixels"] == single["boundary"]["pixels"]
    two = subprocess.run(torchrun + ["eval", str(run / "best.safetensors"), str(colour_set), "--json", str(tmp_path / "two.json")],
                         env=ENV, capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    one = subprocess.run(CLI + ["eval", str(run / "best.safetensors"), str(colour_set), "--json", str(tmp_path / "one.json")],
                         env=ENV, capture_output=True, text=True)
    assert one.returncode == 0, one.stderr
    a, b = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("one", "two"))
    assert a == b and a["mean_iu"] == pytest.approx(single["mean_iu"])
