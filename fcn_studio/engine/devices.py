"""The one answer to "which device does this setting mean here?", for the CLI, training and the app.

`auto` means the GPU when there is one. A named device this machine cannot use is refused with a
`DeviceError` (one line for the CLI, a dialog for the GUI) rather than the traceback torch would
give later, in the middle of a run. What the CPU can do natively (bf16) is asked here too, once for
inference precision, the backend choice and training alike.
"""

from __future__ import annotations

import torch

from ..errors import DeviceError

AUTO = "auto"
DEVICE_HELP = "auto, cpu, cuda or cuda:N"


def available_devices() -> list[str]:
    """What a user may pick on this machine: always the CPU, CUDA when it is present."""
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def cpu_has_native_bf16() -> bool:
    """AVX-512 BF16 or AMX: bf16 matmuls run at ~3.6× fp32 here; without them oneDNN emulates bf16
    and gains nothing. (torch.cpu's probes are private; a torch without them counts as no.)"""
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def resolve_device(device: str | torch.device | None = AUTO) -> torch.device:
    """`auto` (or nothing) → cuda when present, else cpu; anything else must be usable here."""
    if device is None or str(device) in ("", AUTO):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise DeviceError(None, f"unknown device {str(device)!r}; use {DEVICE_HELP}") from None
    if dev.type == "cpu":
        return dev
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(None, f"device {str(device)!r} was asked for but CUDA is not available here; "
                              "use cpu or auto")
        count = torch.cuda.device_count()
        if dev.index is not None and dev.index >= count:
            raise DeviceError(None, f"device {str(device)!r} was asked for but this machine has {count} CUDA "
                              f"device{'s' if count != 1 else ''} (cuda:0 … cuda:{count - 1})")
        return dev
    backend = getattr(torch, dev.type, None)
    if backend is None or not getattr(backend, "is_available", lambda: False)():
        raise DeviceError(None, f"device {str(device)!r} is not available here ({dev.type} devices are not "
                          f"supported by this machine's PyTorch); use {DEVICE_HELP}")
    return dev
