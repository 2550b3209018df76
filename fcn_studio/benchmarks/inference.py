"""Inference benchmarks of issue #7: precision paths, dense vs patchwise, heads, tiling memory."""

from __future__ import annotations

import copy
import logging
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np
import torch

from fcn_studio.engine import FCN, Segmenter, build_model
from .measure import count_flops, matmul_peak, median_seconds

log = logging.getLogger(__name__)


@dataclass
class Row:
    name: str
    seconds: float
    ratio: float
    note: str = ""


def plain_forward(model: FCN, x: torch.Tensor) -> torch.Tensor:
    """The baseline: a straightforward float32 eager forward, NCHW, under no_grad."""
    with torch.no_grad():
        return model(x)


def with_random_scores(model: FCN, seed: int = 0) -> FCN:
    """Freshly built nets score every class 0 (zero-initialised score layers), so every label
    agrees trivially; random scores make the agreement figure mean something without weights."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith("score_"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.01)
    return model


def precision_rows(model: FCN, size: int, repeat: int, device: str = "cpu") -> tuple[list[Row], dict]:
    """Each Segmenter path against the plain fp32 forward of the same weights, with label agreement."""
    model = model.to(device).eval()
    x = torch.randn(1, 3, size, size, device=device)
    base = median_seconds(lambda: plain_forward(model, x), repeat)
    ref = plain_forward(model, x).argmax(1)
    rows = [Row("plain fp32 eager (baseline)", base, 1.0)]
    flops = count_flops(model, (1, 3, size, size))
    paths = ["fp32", "bf16"] + (["fp16"] if device.startswith("cuda") else [])
    best = base
    for precision in paths:
        seg = Segmenter(copy.deepcopy(model), device=device, precision=precision)
        t = median_seconds(lambda: seg.logits(x), repeat)
        same = (seg.logits(x).argmax(1) == ref).float().mean().item()
        rows.append(Row(f"Segmenter.logits {precision} (channels-last)", t, base / t, f"labels equal {100 * same:.2f} %"))
        best = min(best, t)
    peak = {dt: matmul_peak(dt, device) for dt in (torch.float32, torch.bfloat16)}
    stats = {
        "gflop": flops / 1e9,
        "fp32_tflops": flops / base / 1e12,
        "best_tflops": flops / best / 1e12,
        "peak_fp32_tflops": peak[torch.float32] / 1e12,
        "peak_bf16_tflops": peak[torch.bfloat16] / 1e12,
    }
    return rows, stats


def trained_agreement_rows(model: FCN, images: list[np.ndarray], device: str = "cpu") -> list[Row]:
    """Reduced precision vs fp32 on trained weights and real inputs: what decides `auto` precision.

    Random weights (the rows above) put scores near ties everywhere, a worst case; trained nets
    have margins, and it is their agreement on the images they are for that a user sees.
    """
    def run(segmenter: Segmenter) -> tuple[list[np.ndarray], float]:
        segmenter.predict(images[0])
        start = time.perf_counter()
        labels = [segmenter.predict(rgb).labels for rgb in images]
        return labels, (time.perf_counter() - start) / len(images)

    reference, base = run(Segmenter(copy.deepcopy(model), device=device, precision="fp32"))
    rows = [Row(f"{model.arch} fp32, {len(images)} images", base, 1.0)]
    for precision in ["bf16"] + (["fp16"] if device.startswith("cuda") else []):
        labels, seconds = run(Segmenter(copy.deepcopy(model), device=device, precision=precision))
        equal = sum(int((a == b).sum()) for a, b in zip(reference, labels))
        total = sum(a.size for a in reference)
        rows.append(Row(f"{model.arch} {precision}", seconds, base / seconds, f"labels equal {100 * equal / total:.2f} %"))
    return rows


def dense_vs_patch_rows(width: float, size: int, repeat: int) -> list[Row]:
    """CVPR §3.1: one dense pass vs classifying each output cell's patch on its own.

    The patch net is the same trunk without the 100 px padding on a 224×224 patch (one score_fr
    cell); patchwise cost = that time × the number of score_fr cells of the dense pass.
    """
    dense = build_model("fcn32s", width=width).eval()
    patch = copy.deepcopy(dense)
    patch.conv1_1.padding = (0, 0)
    x = torch.randn(1, 3, size, size)
    with torch.no_grad():
        cells = dense.intermediates(x)["score_fr"].shape[-2:].numel()
        t_dense = median_seconds(lambda: dense.score_fr(dense.features(x)["fc7"]), repeat)
        t_patch = median_seconds(lambda: patch.score_fr(patch.features(torch.randn(1, 3, 224, 224))["fc7"]), repeat)
    return [
        Row(f"dense score_fr, {size}² ({cells} cells)", t_dense, 1.0),
        Row(f"patch by patch, {cells} × 224² patches", t_patch * cells, t_dense / (t_patch * cells),
            f"dense is {t_patch * cells / t_dense:.1f}× faster"),
    ]


def heads_rows(width: float, size: int, repeat: int, precision: str = "fp32") -> list[Row]:
    """One image through 32s, 16s and 8s vs through one head (the compare grid's cost)."""
    segs = {h: Segmenter(build_model(f"fcn{h}", width=width), device="cpu", precision=precision) for h in ("32s", "16s", "8s")}
    x = torch.randn(1, 3, size, size)
    one = median_seconds(lambda: segs["8s"].logits(x), repeat)
    three = median_seconds(lambda: [s.logits(x) for s in segs.values()], repeat)
    return [Row("one head (8s)", one, 1.0), Row("all three heads", three, one / three, f"{three / one:.2f}× one head")]


# VmHWM is the peak of this address space; ru_maxrss would carry the parent's peak across exec.
TILING_SCRIPT = """
import re, time, numpy as np, torch
from fcn_studio import Segmenter, build_model
hwm = lambda: int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
seg = Segmenter(build_model("fcn8s", width={width}), device="cpu", precision="{precision}")
before = hwm()
rgb = np.random.default_rng(0).integers(0, 256, ({h}, {w}, 3), dtype=np.uint8)
start = time.perf_counter()
pred = seg.predict(rgb)
print(time.perf_counter() - start, hwm(), before, pred.tiled)
"""


def tiling_row(width: float, height: int, width_px: int, precision: str) -> Row:
    """Peak resident memory of segmenting a large photo, in a fresh process so peaks don't mix."""
    script = TILING_SCRIPT.format(width=width, precision=precision, h=height, w=width_px)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    seconds, peak_kb, base_kb, tiled = float(out[0]), int(out[1]), int(out[2]), out[3] == "True"
    return Row(f"{width_px}×{height} photo, FCN-8s width {width:g} {precision}", seconds, 1.0,
               f"peak RSS {peak_kb / 2**20:.2f} GiB (model loaded: {base_kb / 2**20:.2f} GiB), tiled={tiled}")

