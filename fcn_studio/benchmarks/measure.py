"""Timing, FLOP counting and the machine's measured matmul peak."""

from __future__ import annotations

import statistics
import time
from typing import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode

from fcn_studio.engine import FCN, build_model


def median_seconds(fn: Callable[[], object], repeat: int = 3, warmup: int = 1) -> float:
    """Median wall time of `fn` after `warmup` untimed calls (first calls pay for allocation)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def count_flops(model: FCN, shape: tuple[int, ...]) -> int:
    """FLOPs of one forward pass, counted by PyTorch on meta tensors (no compute, no guessing)."""
    with torch.device("meta"):
        meta = build_model(model.arch, num_classes=model.num_classes, width=model.width)
    with FlopCounterMode(display=False) as counter:
        meta(torch.empty(shape, device="meta"))
    return counter.get_total_flops()


def matmul_peak(dtype: torch.dtype, device: str = "cpu", n: int = 2048, repeat: int = 3) -> float:
    """Measured FLOP/s of a large square matmul: the ceiling convolutions can approach."""
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    seconds = median_seconds(lambda: a @ b, repeat=repeat)
    return 2 * n**3 / seconds
