"""Shift-and-stitch (CVPR §3.2) against learned in-network upsampling: time per image.

The paper found stitching's cost/improvement worse than skip fusion; here is the cost side on
this machine: factor f costs f² trunk passes, against one pass and a deconvolution.
"""

from __future__ import annotations

import torch

from ..engine import build_model
from ..engine.shift_stitch import stitched_scores
from .inference import Row, plain_forward
from .measure import median_seconds


def stitch_rows(arch: str, width: float, size: int, repeat: int, factors: tuple[int, ...] = (2, 4)) -> list[Row]:
    """One learned-upsampling forward, then shift-and-stitch at each factor, same weights and image."""
    model = build_model(arch, width=width).eval()
    x = torch.randn(1, 3, size, size)
    base = median_seconds(lambda: plain_forward(model, x), repeat)
    rows = [Row(f"{arch} learned upsampling (1 pass)", base, 1.0)]
    for factor in factors:
        seconds = median_seconds(lambda: stitched_scores(model, x, factor), repeat, warmup=0)
        rows.append(Row(f"shift-and-stitch ×{factor} ({factor * factor} passes, stride {model.stride // factor})",
                        seconds, base / seconds, f"{seconds / base:.1f}× the upsampling net's time"))
    return rows
