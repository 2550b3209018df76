"""Training throughput (issues #7, #19): images per second of one SGD update, fp32 vs bf16
autocast vs fp32 channels-last (oneDNN's preferred layout; the inference path uses it)."""

from __future__ import annotations

import contextlib

import torch

from fcn_studio.engine import build_model
from fcn_studio.training.loss import pixel_loss
from fcn_studio.training.recipes import Recipe
from fcn_studio.training.trainer import make_optimizer, parameter_groups
from .inference import Row, with_random_scores
from .measure import median_seconds


def training_rows(width: float, size: int, batch: int, repeat: int, device: str = "cpu") -> list[Row]:
    """One update (forward, loss, backward, SGD step) of FCN-8s on `batch` random images, per precision.

    The ratio is against fp32 at the same width, so it reads as the speed-up bf16 gives training.
    """
    torch.manual_seed(0)
    model = with_random_scores(build_model("fcn8s", num_classes=21, width=width)).to(device).train()
    recipe = Recipe(lr=1e-6)
    optimizer = make_optimizer(parameter_groups(model, recipe), recipe, "8s")
    x = torch.randn(batch, 3, size, size, device=device)
    y = torch.randint(0, 21, (batch, size, size), device=device)

    def step(dtype: torch.dtype | None, inputs: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        cast = torch.autocast(torch.device(device).type, dtype=dtype) if dtype else contextlib.nullcontext()
        with cast:
            loss = pixel_loss(model(inputs), y)
        loss.backward()
        optimizer.step()

    rows, base = [], None
    for name, dtype, layout in (("fp32", None, torch.contiguous_format), ("bf16 autocast", torch.bfloat16, torch.contiguous_format),
                                ("fp32 channels-last", None, torch.channels_last)):
        model.to(memory_format=layout)
        inputs = x.contiguous(memory_format=layout)
        seconds = median_seconds(lambda: step(dtype, inputs), repeat)
        base = base or seconds
        rows.append(Row(f"train FCN-8s width {width:g}, {batch}×{size}², {name}", seconds, base / seconds,
                        f"{batch / seconds:.1f} images/s"))
    return rows
