"""Running out of memory during a forward pass: what counts as it, and what to fall back to.

An out-of-memory error must not cost the user the image: the `Segmenter` retries in tiles (peak
memory set by the tile, not the image) and then, if the model sat on a GPU, on the CPU. A CPU
allocation failure (an address-space limit, a machine short of RAM) takes the same path.
"""

from __future__ import annotations

import gc

import torch

from .build import build_model
from .fcn import FCN

# torch.cuda.OutOfMemoryError is torch.OutOfMemoryError from torch 2.5 on; older builds only
# have the CUDA one.
OOM_ERRORS: tuple[type[BaseException], ...] = tuple(
    {getattr(torch, "OutOfMemoryError", None), getattr(torch.cuda, "OutOfMemoryError", None)} - {None})


# A CPU allocation failure is a plain RuntimeError from torch's allocator ("DefaultCPUAllocator: can't
# allocate memory"), or a MemoryError from numpy; `out_of_memory` tells those from other errors.
ALLOCATION_ERRORS: tuple[type[BaseException], ...] = (*OOM_ERRORS, MemoryError, RuntimeError)
_ALLOCATOR_MESSAGES = ("can't allocate memory", "out of memory", "not enough memory", "failed to allocate")


def out_of_memory(exc: BaseException) -> bool:
    """True for any failure to allocate memory on a GPU or on the CPU."""
    if isinstance(exc, (*OOM_ERRORS, MemoryError)):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(m in text for m in _ALLOCATOR_MESSAGES)


class OutOfMemory(RuntimeError):
    """Even the fallbacks ran out of memory; the message says what was tried."""


def release(device: torch.device) -> None:
    """Give the failed attempt's memory back before the next try."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def cpu_copy(model: FCN) -> FCN:
    """A float32 copy of `model` on the CPU, built there: copying the module itself would first
    allocate a second copy on the device that has just run out of memory."""
    info = model.info
    copy = build_model(info.arch, num_classes=info.num_classes, width=info.width, info=info)
    copy.load_state_dict({k: v.detach().to("cpu", torch.float32) for k, v in model.state_dict().items()})
    return copy.eval()
