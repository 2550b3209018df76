"""Segmenting images too large for memory in tiles whose result equals the untiled one.

Tiles start on multiples of the net's total stride (32), so every pooling window and crop of a
tile lines up with those of the whole image; each tile is extended by a margin wider than the
receptive field reaches (404 px for VGG16, plus the upsampling kernels), and only its core is kept.
Pixels in a core therefore see exactly the context they see in the untiled forward pass.
"""

from __future__ import annotations

from typing import Callable

import torch

STRIDE = 32
# Half of VGG16's 404 px receptive field plus the upsampling kernels' reach is ~230 px (labels
# measured identical from 224 on); 256 is the next multiple of the stride with room to spare.
MARGIN = 256


def spans(length: int, core: int, margin: int = MARGIN) -> list[tuple[int, int, int, int]]:
    """(input start, input end, output start, output end) along one axis."""
    if core % STRIDE or margin % STRIDE:
        raise ValueError(f"core and margin must be multiples of {STRIDE}")
    out = []
    for start in range(0, length, core):
        end = min(length, start + core)
        out.append((max(0, start - margin), min(length, end + margin), start, end))
    return out


def predict_tiled(
    run: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    core: int = 1024,
    margin: int = MARGIN,
    scores: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Labels (H×W uint8/int32) and optionally float16 softmax scores (C×H×W) of a 1×3×H×W input.

    Only per-tile logits ever exist in float32, so peak memory is set by the tile size.
    """
    height, width = x.shape[-2:]
    labels: torch.Tensor | None = None
    probs: torch.Tensor | None = None
    for y0, y1, oy0, oy1 in spans(height, core, margin):
        for x0, x1, ox0, ox1 in spans(width, core, margin):
            logits = run(x[:, :, y0:y1, x0:x1])[0]
            kept = logits[:, oy0 - y0 : oy1 - y0, ox0 - x0 : ox1 - x0]
            if labels is None:
                dtype = torch.uint8 if logits.shape[0] <= 256 else torch.int32
                labels = torch.empty(height, width, dtype=dtype)
                probs = torch.empty(logits.shape[0], height, width, dtype=torch.float16) if scores else None
            labels[oy0:oy1, ox0:ox1] = kept.argmax(0).to(labels.dtype).cpu()
            if probs is not None:
                probs[:, oy0:oy1, ox0:ox1] = kept.float().softmax(0).half().cpu()
    assert labels is not None
    return labels, probs
