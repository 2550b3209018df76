"""Where exported and quantized models live on disk, keyed by what they were made from.

An exported file depends on the weights, the architecture, the exporter, the trimmed-padding
plan of the graph and the Winograd rule; the key hashes all of them, so a retrained model (or a newer torch) exports
afresh and two models never share a file. The cache is a user cache directory, never the
program's folder: $FCN_STUDIO_CACHE, else $XDG_CACHE_HOME/fcn-studio, else ~/.cache/fcn-studio.
Only ONNX and JSON are stored (no pickles).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch

from ...files import replacing
from ..padding import padding_plan
from .winograd import MIN_CHANNELS, TILE, winograd_layers

CACHE_ENV = "FCN_STUDIO_CACHE"
# Bump when the exported graph changes shape (outputs, opset, wrapper), so old files are not reused.
# 2: the trimmed-padding trunk (engine/padding.py), whose plan is part of the key as well.
# 3: upsamplings that keep classes apart exported per phase (engine/bilinear.py PhaseUpsampling).
# 4: wide 3×3 convolutions as Winograd F(4, 3) (winograd.py; its tile and width rule are keyed too).
# 5: graphs without Winograd layers keyed as "plain", with or without the rule asked (one file).
# 6: the final per-class upsampling computes only the window its crop keeps (PhaseUpsampling.window).
EXPORT_FORMAT = 6


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "fcn-studio"


def weights_key(model: torch.nn.Module, opset: int, winograd: bool = True, tensors: str | None = None) -> str:
    """sha256 of the architecture, the exporter, every tensor (`tensors_digest`, computed now
    unless given) and whether the graph has its wide convolutions in Winograd form (the same key
    either way for a model without any): equal keys mean an equal exported graph."""
    info = getattr(model, "info", None)
    head = [getattr(model, "arch", type(model).__name__), getattr(info, "num_classes", None),
            getattr(info, "width", None), torch.__version__.split("+")[0], opset, EXPORT_FORMAT, _graph(model),
            f"winograd F({TILE}, 3) from {MIN_CHANNELS} channels" if winograd and winograd_layers(model) else "plain",
            tensors or tensors_digest(model)]
    return hashlib.sha256(json.dumps(head).encode()).hexdigest()[:32]


def tensors_digest(model: torch.nn.Module) -> str:
    """sha256 of every tensor of the state_dict (name, dtype, shape, bytes): the costly part of a
    key (0.7 s for VGG16), so a caller needing several keys of one model computes it once."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        t = tensor.detach().to("cpu").reshape(-1)  # flat: bytes in logical order, whatever the layout
        digest.update(f"{name}:{t.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return digest.hexdigest()


def _graph(model: torch.nn.Module) -> str:
    """The trimmed-padding plan the export runs ("" for the plain trunk): a new plan, a new file."""
    plan = padding_plan(model)
    return "" if plan is None else plan.describe()


def entry(key: str, suffix: str) -> Path:
    """The cache file of `key` with `suffix` (".onnx", ".int8.onnx", ".int8.json")."""
    return cache_dir() / "onnx" / f"{key}{suffix}"


def write_json(path: Path, data: dict[str, Any]) -> None:
    with replacing(path) as tmp:
        Path(tmp).write_text(json.dumps(data, indent=1))


def read_json(path: Path) -> dict[str, Any] | None:
    """The stored record, or None where it is missing or unreadable (then it is made again)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
