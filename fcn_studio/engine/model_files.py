"""Opening any weight file by its suffix: our safetensors files, or the reference's own (pytorch-fcn
`.pth`, Caffe `.caffemodel`, read by `reference_weights`) — the one door every "open this model"
goes through, so no caller needs to know which format it was handed."""

from __future__ import annotations

from pathlib import Path

from ..errors import WeightFileError
from .fcn import FCN
from .reference_weights import import_caffemodel, import_pytorch_fcn
from .weights import load_model


def open_model(path: str | Path, arch: str | None = None) -> FCN:
    """Any weight file we understand, by its suffix: ours, pytorch-fcn or Caffe."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".safetensors":
        return load_model(path)
    if suffix in (".pth", ".pt", ".tar"):
        return import_pytorch_fcn(path, arch)
    if suffix == ".caffemodel":
        return import_caffemodel(path)
    raise WeightFileError(path, f"unknown weight file type {suffix!r} (expected .safetensors, .pth or .caffemodel)")
