"""Training checkpoints: written atomically, read back without running any pickled code.

A checkpoint holds what `--resume` needs to continue bit for bit: model and optimizer state and
the number of finished updates. Data order, augmentation and dropout masks are all derived from
(seed, position), so no RNG state has to travel with it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from ..engine.torch_files import refusal_reason, safe_torch_load
from ..errors import CheckpointError
from ..files import replacing

CHECKPOINT_DIR = "checkpoints"
LAST = "last.pt"


def checkpoint_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / CHECKPOINT_DIR / LAST


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """Write atomically (files.replacing), fsynced: a crash or a full disk mid-write leaves the
    previous checkpoint untouched."""
    path = Path(path)
    try:
        with replacing(path) as tmp, open(tmp, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
    except (OSError, RuntimeError) as exc:  # a full disk, a folder that vanished, lost permissions
        # torch's zip writer reports a failed write as RuntimeError("... unexpected pos ..."), not OSError.
        kept = "the previous checkpoint is untouched" if path.is_file() else "there is no earlier checkpoint"
        raise CheckpointError(path, f"could not save the checkpoint ({_why(exc)}); {kept}") from exc
    return path


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return "the write failed; is the disk full?"


def load_checkpoint(path: str | Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(path, "no checkpoint here (was the run started with this folder?)")
    try:
        state = safe_torch_load(path, map_location=device)
    except Exception as exc:  # torch raises many types for a damaged or hostile file
        raise CheckpointError(path, f"unreadable checkpoint: {refusal_reason(exc)}") from None
    missing = {"model", "optimizer", "iteration"} - set(state if isinstance(state, dict) else ())
    if missing:
        raise CheckpointError(path, f"not an fcn-studio checkpoint (missing {', '.join(sorted(missing))})")
    return state
