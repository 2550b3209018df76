"""Training precision `auto`: bf16 autocast only where native and measured faster; same losses."""

import logging

import numpy as np
import pytest
import torch

from fcn_studio.engine import build_model, devices
from fcn_studio.training import Evaluated, RecipeError, StepDone, TrainConfig, train
from fcn_studio.training import precision as precision_module
from fcn_studio.training.precision import measured_training_precision, resolve_training_precision

from .conftest import quick_recipe

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

CPU = torch.device("cpu")


def model():
    return build_model("fcn32s", num_classes=3, width=0.0625)


def test_without_native_bf16_training_stays_fp32_unmeasured(monkeypatch):
    monkeypatch.setattr(precision_module, "interleaved", lambda *a: pytest.fail("measured without native bf16"))
    assert measured_training_precision(model(), CPU) == ("fp32", "bf16 is not native on cpu")


@pytest.mark.parametrize("fp32, bf16, expected", [(0.30, 0.12, "bf16"), (0.30, 0.29, "fp32"), (0.10, 0.40, "fp32")])
def test_with_native_bf16_the_measured_faster_precision_trains(monkeypatch, fp32, bf16, expected):
    monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: True)
    steps = []

    def timed(fns, repeat, settle):
        assert settle == 0  # a training step is long enough that switching costs are noise
        for fn in fns.values():
            fn()  # the real steps run (forward, backward) before the fake timings are reported
            steps.append(fn)
        return {"fp32": fp32, "bf16": bf16}

    monkeypatch.setattr(precision_module, "interleaved", timed)
    chosen, why = measured_training_precision(model(), CPU, size=32)
    assert chosen == expected and len(steps) == 2
    assert why.startswith("bf16 autocast measured 2.50× fp32" if expected == "bf16" else "bf16 autocast only")


def test_auto_is_resolved_and_logged_named_ones_are_kept(monkeypatch, caplog):
    monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: False)
    with caplog.at_level(logging.INFO, "fcn_studio.training.precision"):
        assert resolve_training_precision("auto", model(), CPU) == "fp32"
    assert "training in fp32: bf16 is not native on cpu" in caplog.text
    assert resolve_training_precision("bf16", model(), CPU) == "bf16"
    with pytest.raises(ValueError, match="auto, fp32, bf16"):
        resolve_training_precision("fp8", model(), CPU)


def test_a_run_config_accepts_auto_and_nothing_else(colour_set, tmp_path):
    TrainConfig(data=str(colour_set), out=str(tmp_path), recipe=quick_recipe(), precision="auto")
    with pytest.raises(RecipeError, match="auto, fp32 or bf16"):
        TrainConfig(data=str(colour_set), out=str(tmp_path), recipe=quick_recipe(), precision="fp16")


def test_bf16_autocast_training_matches_fp32_within_noise(colour_set, tmp_path):
    """The same compact run (seed, data, 8 updates) in both precisions: the loss curves and the
    held-out mean IU agree within what two fp32 runs with another seed differ by."""
    runs = {}
    for name, precision, seed in (("fp32", "fp32", 7), ("bf16", "bf16", 7), ("fp32 other seed", "fp32", 8)):
        events = []
        cfg = TrainConfig(data=str(colour_set), out=str(tmp_path / name), recipe=quick_recipe(iterations=8, eval_every=8, checkpoint_every=8),
                          stage="32s", width=0.0625, seed=seed, precision=precision)
        train(cfg, on_event=events.append)
        runs[name] = (np.array([e.loss for e in events if isinstance(e, StepDone)]),
                      [e.metrics["mean_iu"] for e in events if isinstance(e, Evaluated)][-1])
    (fp32, iu32), (bf16, iu16), (other, iu_other) = runs.values()
    assert len(fp32) == len(bf16) == 8 and bf16[-4:].mean() < 0.8 * bf16[0]  # bf16 learns
    assert np.abs(bf16 - fp32).mean() <= max(np.abs(other - fp32).mean(), 0.02 * fp32.mean())
    assert abs(iu16 - iu32) <= max(abs(iu_other - iu32), 0.02)


def test_auto_measures_once_per_net_shape_and_device(monkeypatch):
    from fcn_studio.training import precision

    calls = []
    monkeypatch.setattr(precision, "_MEASURED", {})
    monkeypatch.setattr(precision, "measured_training_precision",
                        lambda model, device: calls.append(model.arch) or ("bf16", "measured (test)"))
    small = build_model("fcn32s", num_classes=3, width=0.0625)
    for _ in range(3):  # a stage, its resume, the next round: one probe
        assert precision.resolve_training_precision("auto", small, torch.device("cpu")) == "bf16"
    precision.resolve_training_precision("auto", build_model("fcn8s", num_classes=3, width=0.0625), torch.device("cpu"))
    assert calls == ["fcn32s", "fcn8s"]
