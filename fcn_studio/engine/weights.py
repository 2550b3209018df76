"""Our own weight files: safetensors tensors plus the ModelInfo as JSON in the header.

One file, self-describing, loaded without running any code. Writes are atomic (temp file +
rename) so a crash mid-save never leaves a half-written model where a good one was.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file

from ..errors import WeightFileError
from ..files import replacing
from .build import build_model
from .fcn import FCN
from .model_info import ModelInfo

METADATA_KEY = "fcn_studio"


def save_model(model: FCN, path: str | Path, info: ModelInfo | None = None, dtype: torch.dtype = torch.float32) -> Path:
    """Write `model` (and its info) to `path`; `dtype=torch.float16` halves the file."""
    info = info or model.info
    path = Path(path)
    tensors = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()}
    meta = {METADATA_KEY: json.dumps(info.to_json())}
    try:
        with replacing(path) as tmp:
            save_file(tensors, tmp, metadata=meta)
            os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; a model is a file to share
    except (OSError, SafetensorError) as exc:  # a full disk, a vanished folder, lost permissions
        kept = "the previous file is untouched" if path.is_file() else "nothing was written"
        raise WeightFileError(path, f"could not save the model ({getattr(exc, 'strerror', None) or exc}); {kept}") from exc
    return path


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_info(path: str | Path) -> ModelInfo:
    """The metadata alone, without reading the tensors (for model pickers and `info`)."""
    p = Path(path)
    if not p.is_file():
        raise WeightFileError(p, "no such file")
    try:
        with safe_open(str(p), framework="pt") as f:
            meta = f.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightFileError(p, f"not a readable safetensors file ({exc})") from None
    if METADATA_KEY not in meta:
        raise WeightFileError(p, "safetensors file without fcn-studio metadata (architecture, classes)")
    try:
        data = json.loads(meta[METADATA_KEY])
    except ValueError as exc:
        raise WeightFileError(p, f"fcn-studio metadata is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise WeightFileError(p, f"fcn-studio metadata must be a JSON object, found {type(data).__name__}")
    try:
        return ModelInfo.from_json(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise WeightFileError(p, f"invalid fcn-studio metadata ({exc})") from None


def load_model(path: str | Path, device: str | torch.device = "cpu") -> FCN:
    """Build the architecture the file names and load its tensors (float32), strictly."""
    info = read_info(path)
    try:
        model = build_model(info.arch, num_classes=info.num_classes, width=info.width, info=info)
    except (ValueError, TypeError) as exc:
        raise WeightFileError(path, f"metadata describes no model we can build ({exc})") from None
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightFileError(path, f"corrupt tensor data ({exc})") from None
    load_state_checked(model, {k: v.float() for k, v in tensors.items()}, path)
    return model.to(device).eval()


def load_state_checked(model: FCN, state: dict[str, torch.Tensor], source: str | Path) -> None:
    """`load_state_dict(strict=True)` after checking every name and shape, with a readable error."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = [f"{k} {tuple(state[k].shape)} (needs {tuple(own[k].shape)})" for k in own if k in state and state[k].shape != own[k].shape]
    problems = []
    if missing:
        problems.append(f"missing {', '.join(missing[:4])}{' …' if len(missing) > 4 else ''}")
    if unexpected:
        problems.append(f"unexpected {', '.join(unexpected[:4])}{' …' if len(unexpected) > 4 else ''}")
    if wrong:
        problems.append(f"wrong shape {', '.join(wrong[:3])}")
    if problems:
        raise WeightFileError(source, f"weights do not fit {model.arch}: " + "; ".join(problems))
    model.load_state_dict(state, strict=True)
