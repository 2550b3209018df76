"""Issue #29's GPU section: FCN-8s (VGG16) latency at batch 1 and 8, and training images/s, on CUDA.

Ratios are against fp32 on the same GPU (TF32 off: the exact baseline), timed with the device
synchronised (`measure.median_seconds`). Where CUDA is absent the section says so instead of rows.
"""

from __future__ import annotations

import contextlib

import torch

from fcn_studio.engine import build_model
from fcn_studio.training.loss import pixel_loss
from .inference import Row, with_random_scores
from .measure import median_seconds

PRECISIONS = {"fp32": None, "bf16 autocast": torch.bfloat16, "fp16 autocast": torch.float16}


def gpu_rows(width: float, size: int, repeat: int, batches: tuple[int, ...] = (1, 8), train_batch: int = 8) -> list[Row]:
    """Inference latency per batch and precision, then one training update's images/s per precision."""
    device = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    torch.manual_seed(0)
    model = with_random_scores(build_model("fcn8s", num_classes=21, width=width)).to(device, memory_format=torch.channels_last)
    rows = []
    for batch in batches:
        x = torch.randn(batch, 3, size, size, device=device).contiguous(memory_format=torch.channels_last)
        base = None
        for name, dtype in PRECISIONS.items():
            cast = torch.autocast("cuda", dtype=dtype) if dtype else contextlib.nullcontext()

            def forward(cast=cast, x=x) -> None:
                with torch.inference_mode(), cast:
                    model.eval()(x)

            seconds = median_seconds(forward, repeat)
            base = base or seconds
            rows.append(Row(f"FCN-8s {batch}×{size}² inference, {name}", seconds, base / seconds,
                            f"{1000 * seconds / batch:.1f} ms per image"))
    x = torch.randn(train_batch, 3, size, size, device=device).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 21, (train_batch, size, size), device=device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-10, momentum=0.99)
    base = None
    for name, dtype in PRECISIONS.items():
        cast = torch.autocast("cuda", dtype=dtype) if dtype else contextlib.nullcontext()

        def step(cast=cast) -> None:
            optimizer.zero_grad(set_to_none=True)
            with cast:
                loss = pixel_loss(model.train()(x), y)
            loss.backward()
            optimizer.step()

        seconds = median_seconds(step, repeat)
        base = base or seconds
        rows.append(Row(f"train FCN-8s {train_batch}×{size}², {name}", seconds, base / seconds,
                        f"{train_batch / seconds:.1f} images/s"))
    return rows


def gpu_sections(width: float, size: int, repeat: int) -> dict[str, list[Row]]:
    if not torch.cuda.is_available():
        return {"GPU: skipped, this machine has no CUDA device": []}
    title = f"GPU: {torch.cuda.get_device_name()}, FCN-8s width {width:g}, {size}², vs fp32 on the same GPU"
    return {title: gpu_rows(width, size, repeat)}
