"""PyTorch `.pth` files (pytorch-fcn weights, torchvision ImageNet classifiers): read, never executed."""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import WeightFileError


def load_torch_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a .pth state_dict without ever unpickling code (`weights_only=True`)."""
    p = Path(path)
    if not p.is_file():
        raise WeightFileError(p, "no such file")
    try:
        obj = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError, ...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightFileError(p, f"not a plain PyTorch weights file; refused to load it ({first})") from None
    if isinstance(obj, dict) and isinstance(obj.get("model_state_dict"), dict):
        obj = obj["model_state_dict"]  # pytorch-fcn trainer checkpoints wrap the state_dict
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightFileError(p, "does not hold a state_dict (a mapping of names to tensors)")
    return obj
