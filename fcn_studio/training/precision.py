"""Training precision: bf16 autocast where it is native and measured faster here, else fp32.

bf16 autocast trained the shipped widths 2.25–2.48× faster than fp32 on an AVX-512 BF16 CPU and
ran at 0.21× on an AVX2 CPU, where oneDNN emulates it; a GPU's gain depends on its generation. So
`auto` never tries emulated bf16, and where bf16 is native it times a few training steps of the
model at hand in both precisions (seconds) and keeps bf16 only if it is clearly faster. Losses and
held-out mean IU match fp32 training within run-to-run noise (tests/training/test_precision.py):
autocast keeps the weights, the loss and the reductions in fp32.
"""

from __future__ import annotations

import contextlib
import copy
import logging

import torch
import torch.nn.functional as F

from ..engine import devices
from ..engine.backends.measured import interleaved
from ..engine.fcn import FCN
from .recipes import TRAINING_PRECISIONS

log = logging.getLogger(__name__)

# bf16 must beat fp32 by this factor: a tie is not worth the rounding.
MIN_SPEEDUP = 1.1
PROBE_SIZE = 96  # conv1_1's 100 px padding makes this cost like a 296² crop


def bf16_is_native(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and devices.cpu_has_native_bf16()


def measured_training_precision(model: FCN, device: torch.device, size: int = PROBE_SIZE,
                                repeat: int = 2) -> tuple[str, str]:
    """"bf16" or "fp32" for training `model` on `device`, and why in words."""
    if not bf16_is_native(device):
        return "fp32", f"bf16 is not native on {device}"
    net = copy.deepcopy(model).to(device).train()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1, 3, size, size, generator=gen).to(device)
    y = torch.randint(0, model.num_classes, (1, size, size), generator=gen).to(device)

    def step(bf16: bool) -> None:
        cast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
        with cast:
            loss = F.cross_entropy(net(x), y)
        loss.backward()
        net.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    seconds = interleaved({"fp32": lambda: step(False), "bf16": lambda: step(True)}, repeat, settle=0)
    speedup = seconds["fp32"] / max(seconds["bf16"], 1e-9)
    figures = f"a training step at {size}²: fp32 {1000 * seconds['fp32']:.0f} ms, bf16 {1000 * seconds['bf16']:.0f} ms"
    if speedup >= MIN_SPEEDUP:
        return "bf16", f"bf16 autocast measured {speedup:.2f}× fp32 here ({figures})"
    return "fp32", f"bf16 autocast only {speedup:.2f}× fp32 here ({figures})"


# One measurement per net shape and device in a process: a resumed stage, the next stage and the next
# round of the same net train as the first did, and nobody waits for the probe twice.
_MEASURED: dict[tuple, tuple[str, str]] = {}


def resolve_training_precision(precision: str, model: FCN, device: torch.device) -> str:
    """`auto` → measured (logged with its reason); fp32 and bf16 as asked."""
    if precision not in TRAINING_PRECISIONS:
        raise ValueError(f"training precision must be one of {', '.join(TRAINING_PRECISIONS)}, got {precision!r}")
    if precision != "auto":
        return precision
    key = (model.arch, model.width, model.num_classes, str(device))
    if key not in _MEASURED:
        _MEASURED[key] = measured_training_precision(model, device)
    chosen, why = _MEASURED[key]
    log.info("training in %s: %s", chosen, why)
    return chosen
