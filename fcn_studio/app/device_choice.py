"""Which devices the user can pick in the app, and what a remembered choice means on this machine."""

from __future__ import annotations

from ..errors import DeviceError
from ..engine.devices import available_devices, resolve_device

__all__ = ["available_devices", "usable_device"]


def usable_device(device: str | None) -> str:
    """The engine's reading of `device` (auto → cuda when present, else cpu). A choice saved on
    another machine that this one cannot run (cuda on a laptop) falls back to the CPU instead of
    failing at start-up: the app only offers what is available."""
    try:
        return str(resolve_device(device))
    except DeviceError:
        return "cpu"
