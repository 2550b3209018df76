"""PyTorch `.pth`/`.pt` files (pytorch-fcn weights, torchvision ImageNet classifiers, checkpoints):
read with `torch.load(weights_only=True)`, never executed, and a refusal said in our words.

torch's refusal of a pickle that would run code is a paragraph aimed at developers (sometimes with
ANSI colour codes), and its first line says nothing about the file. Users need three facts: what
was found, that nothing of it ran, and how to convert a file they trust.
"""

from __future__ import annotations

import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import torch

from ..errors import WeightFileError

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")
_OPCODE = re.compile(r"Unsupported operand (\d+)")
CONVERT_HINT = ("if you trust its source, load it once in your own Python with torch.load(PATH, weights_only=False) "
                "and save its state_dict (a mapping of names to tensors) with torch.save, then use that file")


def load_torch_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a .pth state_dict without ever unpickling code (`weights_only=True`)."""
    p = Path(path)
    if not p.is_file():
        raise WeightFileError(p, "no such file")
    try:
        obj = safe_torch_load(p)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError, ...
        raise WeightFileError(p, refusal_reason(exc)) from None
    if isinstance(obj, dict) and isinstance(obj.get("model_state_dict"), dict):
        obj = obj["model_state_dict"]  # pytorch-fcn trainer checkpoints wrap the state_dict
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightFileError(p, "does not hold a state_dict (a mapping of names to tensors)")
    return obj


def safe_torch_load(path: str | Path, map_location: Any = "cpu") -> Any:
    """`torch.load(weights_only=True)`, without torch's warnings about pickle protocols on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.load(path, map_location=map_location, weights_only=True)


def refusal_reason(exc: BaseException) -> str:
    """One line: why `safe_torch_load` failed (a refused pickle, or a damaged file)."""
    text = _ANSI.sub("", str(exc))
    if isinstance(exc, pickle.UnpicklingError) and "weights only" in text.lower():
        found = _GLOBAL.search(text)
        opcode = _OPCODE.search(text)
        what = (f"a reference to the Python function {found.group(1)}" if found
                else f"pickle instruction {opcode.group(1)}" if opcode else "Python objects other than tensors")
        return f"refused to load it: it holds {what}, which could run code; nothing in it was run ({CONVERT_HINT})"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0][:200] if lines else type(exc).__name__
    return f"not a plain PyTorch weights file; refused to load it ({first})"
