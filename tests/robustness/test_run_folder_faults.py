"""Issue 16, items 4, 5, 9-13: training settings, checkpoints and run folders under faults.

A full disk is simulated two ways: a file-size limit of 0 bytes (RLIMIT_FSIZE, set in a child
process: every write to a regular file fails in the kernel, as on a full disk, whichever library
writes) and a writer that fails with ENOSPC part-way. Neither may leave a 0-byte or partial file.
"""

import builtins
import errno
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from fcn_studio.cli import main
from fcn_studio.engine import build_model, save_model
from fcn_studio.errors import CheckpointError, RecipeError
from fcn_studio.training import StepDone, TrainConfig, resume, train
from fcn_studio.training import checkpoint as checkpoint_module
from fcn_studio.training.checkpoint import checkpoint_path, load_checkpoint, save_checkpoint
from fcn_studio.training.run_folder import CONFIG, METRICS, MetricsLog
from tests.compact_models import compact_model, write_image
from tests.training.conftest import quick_recipe

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

ROOT = Path(__file__).resolve().parents[2]
QUICK = ["--width", "0.0625", "--iterations", "1", "--images-per-update", "1", "--eval-every", "1", "--device", "cpu"]


def config(root, out, **changes):
    return TrainConfig(data=str(root), out=str(out), recipe=quick_recipe(**changes), width=0.0625, seed=5, device="cpu")


def test_an_lr_that_overflows_float32_is_refused_before_training(colour_set, tmp_path, capsys):
    assert main(["train", "--data", str(colour_set), "--out", str(tmp_path / "run"), "--lr", "1e39"]) == 1
    err = capsys.readouterr().err
    assert err == "fcn-studio: error: lr must be a positive number up to 1000, got 1e+39\n"
    assert not (tmp_path / "run").exists()


def test_resuming_with_a_checkpoint_of_another_width_names_it(colour_set, tmp_path):
    run = tmp_path / "run"
    train(config(colour_set, run, iterations=3, checkpoint_every=1, eval_every=3))
    state = load_checkpoint(checkpoint_path(run))
    state["model"] = compact_model("fcn32s").__class__(num_classes=3, width=0.125).state_dict()
    state["finished"] = False
    save_checkpoint(state, checkpoint_path(run))
    with pytest.raises(CheckpointError) as err:
        resume(run)
    assert str(err.value).startswith(f"{checkpoint_path(run)}: was saved by another model (conv1_1.weight has shape (8, 3, 3, 3), "
                                     "this run's fcn32s needs (4, 3, 3, 3))")


def failing_open(limit):
    """`open` for the checkpoint module whose files take `limit` bytes, then fail as a full disk does."""
    real = builtins.open

    class Full:
        def __init__(self, f):
            self.f, self.n = f, 0

        def write(self, data):
            self.n += len(data)
            if self.n > limit:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self.f.write(data)

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    return lambda *args, **kwargs: Full(real(*args, **kwargs))


def test_a_full_disk_inside_torch_save_stops_the_stage_as_failed(colour_set, tmp_path, monkeypatch):
    """torch's zip writer turns the failed write into RuntimeError("... unexpected pos ..."), not OSError."""
    run = tmp_path / "full"
    monkeypatch.setattr(checkpoint_module, "open", failing_open(2000), raising=False)
    with pytest.raises(CheckpointError, match="the write failed; is the disk full"):
        save_checkpoint({"model": {"w": torch.zeros(10000)}, "optimizer": {}, "iteration": 1}, tmp_path / "last.pt")
    [result] = train(config(colour_set, run))
    assert result.status == "failed" and result.iteration == 3
    assert f"{checkpoint_path(run)}: could not save the checkpoint" in result.message
    assert not checkpoint_path(run).exists() and list(checkpoint_path(run).parent.iterdir()) == []


def test_write_text_on_a_full_disk_leaves_no_file(tmp_path, monkeypatch):
    from fcn_studio.errors import OutputError
    from fcn_studio.files import write_text

    real = Path.write_text

    def half(self, text, *args, **kwargs):
        real(self, text[: len(text) // 2], *args, **kwargs)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_text", half)
    with pytest.raises(OutputError, match=r"m\.json: could not write the metrics \(No space left on device\); nothing was written"):
        write_text(tmp_path / "m.json", "{}" * 100, "metrics")
    assert list(tmp_path.iterdir()) == []


def full_disk():
    """In the child: every write to a regular file fails (EFBIG), like a disk with no space left."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))


def cli(*args, limit=True):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "fcn_studio", *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                          text=True, preexec_fn=full_disk if limit else None, timeout=300)


def empty_files(folder):
    return sorted(str(p) for p in Path(folder).rglob("*") if p.is_file() and p.stat().st_size == 0 and p.name != ".lock")


def test_a_full_disk_leaves_no_empty_or_partial_files_and_the_run_can_start_again(colour_set, tmp_path):
    model = save_model(compact_model("fcn32s"), tmp_path / "m.safetensors")
    three = save_model(build_model("fcn32s", 3, 0.0625), tmp_path / "three.safetensors")
    image = write_image(tmp_path / "good.png", 32)
    run, out = tmp_path / "run", tmp_path / "out"
    results = {
        "train": cli("train", "--data", colour_set, "--out", run, *QUICK),
        "segment": cli("segment", image, "-m", model, "-o", out),
        "eval": cli("eval", three, colour_set, "--quiet", "--device", "cpu", "--json", tmp_path / "m.json"),
        "import": cli("import-weights", model, tmp_path / "copy.safetensors"),
    }
    for name, res in results.items():
        assert res.returncode == 1 and "Traceback" not in res.stderr, (name, res.stderr[-2000:])
        assert "fcn-studio: error: " in res.stderr, name
    assert "config.json: could not write the run configuration (File too large); nothing was written" in results["train"].stderr
    assert "good.png: could not write the label PNG (File too large)" in results["segment"].stderr
    assert "m.json: could not write the metrics JSON (File too large)" in results["eval"].stderr
    assert "copy.safetensors: could not save the model" in results["import"].stderr
    assert empty_files(tmp_path) == [] and not (tmp_path / "m.json").exists() and not (tmp_path / "copy.safetensors").exists()
    assert not (run / CONFIG).exists() and not list(tmp_path.rglob("*.tmp"))
    again = cli("train", "--data", colour_set, "--out", run, *QUICK, limit=False)  # space freed
    assert again.returncode == 0, again.stderr[-2000:]


def test_a_run_that_never_saved_a_checkpoint_can_be_started_again(colour_set, tmp_path):
    run = tmp_path / "run"
    cfg = config(colour_set, run, iterations=3, eval_every=3)
    run.mkdir()
    (run / CONFIG).write_text("")  # what an older version left on a full disk
    [done] = train(cfg)
    assert done.status == "done"
    with pytest.raises(RecipeError, match="already holds a run"):
        train(cfg)


@pytest.mark.parametrize("init", ["missing.safetensors", "fcn9s", "broken.safetensors"])
def test_a_refused_init_leaves_no_run_folder(colour_set, tmp_path, capsys, init):
    (tmp_path / "broken.safetensors").write_bytes(b"not a model")
    run = tmp_path / "run"
    args = ["train", "--data", str(colour_set), "--out", str(run), *QUICK]
    init_path = str(tmp_path / init) if init.endswith(".safetensors") else init
    assert main([*args, "--init", init_path]) == 1
    assert init in capsys.readouterr().err and not (run / CONFIG).exists()
    assert main([*args, "--pretrained", str(tmp_path / "broken.safetensors")]) == 1
    assert not (run / CONFIG).exists()
    assert main(args) == 0  # the same folder, now with a usable start


def _hold(run, ready):
    from fcn_studio.training.run_lock import run_lock

    with run_lock(run):
        ready.set()
        time.sleep(60)


def test_a_second_run_in_the_same_folder_is_refused_while_the_first_lives(colour_set, tmp_path):
    from fcn_studio.training.run_lock import run_lock

    run = tmp_path / "run"
    cfg = config(colour_set, run, iterations=3, eval_every=3)
    fork = multiprocessing.get_context("fork")
    ready = fork.Event()
    holder = fork.Process(target=_hold, args=(run, ready))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(RecipeError) as err:
            train(cfg)
        assert str(err.value).startswith(f"{run} is in use by process {holder.pid} (another training run)")
        assert not (run / CONFIG).exists()
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # died without unlocking: the kernel releases the lock
        holder.join()
    [done] = train(cfg)
    assert done.status == "done"
    with run_lock(run):
        with pytest.raises(RecipeError, match=f"in use by process {os.getpid()}"):
            resume(run)


def _train_quietly(cfg):
    torch.set_num_threads(1)
    train(cfg)


def steps(run: Path) -> list[int]:
    """The updates the run's event log holds a StepDone for, in order."""
    return [e.iteration for e in MetricsLog(run).events() if isinstance(e, StepDone)]


def test_a_kill_before_the_first_checkpoint_does_not_repeat_log_records(colour_set, tmp_path):
    run = tmp_path / "run"
    cfg = config(colour_set, run, iterations=8, eval_every=8, checkpoint_every=100, log_every=1)
    proc = multiprocessing.get_context("fork").Process(target=_train_quietly, args=(cfg,))
    proc.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not steps(run):
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    assert steps(run) and not checkpoint_path(run).exists()
    [done] = resume(run)
    assert done.status == "done"
    assert steps(run) == list(range(1, 9)), (run / METRICS).read_text()
