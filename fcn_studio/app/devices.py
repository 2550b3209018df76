"""Which devices the user can pick: always the CPU, CUDA when this machine has it."""

from __future__ import annotations

import torch


def available_devices() -> list[str]:
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def resolve(device: str | None) -> str:
    """`auto` (or nothing) → cuda when present, else cpu; an unavailable choice falls back to cpu."""
    choices = available_devices()
    if not device or device == "auto":
        return choices[-1]
    base = device.split(":")[0]
    return device if base in choices else "cpu"
