"""Our own weight files: safetensors tensors plus the ModelInfo as JSON in the header.

One file, self-describing, loaded without running any code. Writes are atomic (temp file +
rename) so a crash mid-save never leaves a half-written model where a good one was.

Nothing in the metadata is trusted before the tensors confirm it: a few hundred bytes can claim
10^9 classes or width 100, and building that model would take gigabytes. The header's tensor
names, shapes and types are checked against the architecture built on the `meta` device (shapes
only, no memory) first; only a file that holds every tensor the model needs is built for real.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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
    except (OSError, SafetensorError) as exc:  # a full disk, a vanished folder, lost permissions
        kept = "the previous file is untouched" if path.is_file() else "nothing was written"
        raise WeightFileError(path, f"could not save the model ({getattr(exc, 'strerror', None) or exc}); {kept}") from exc
    return path


# Tensor types a model's weights may have; integer tensors are no float model's weights.
FLOAT_TYPES = {"F16", "BF16", "F32", "F64"}


@dataclass(frozen=True)
class Header:
    """What a safetensors file says before any tensor is read: metadata, and each tensor's shape and type."""

    metadata: dict[str, str]
    shapes: dict[str, tuple[int, ...]]
    dtypes: dict[str, str]


def read_header(path: str | Path) -> Header:
    p = Path(path)
    if not p.is_file():
        raise WeightFileError(p, "no such file")
    try:
        with safe_open(str(p), framework="pt") as f:
            meta = f.metadata() or {}
            slices = {k: f.get_slice(k) for k in f.keys()}
            return Header(dict(meta), {k: tuple(s.get_shape()) for k, s in slices.items()},
                          {k: str(s.get_dtype()) for k, s in slices.items()})
    except (SafetensorError, OSError, ValueError, TypeError) as exc:
        raise WeightFileError(p, f"not a readable safetensors file ({exc})") from None


def read_info(path: str | Path) -> ModelInfo:
    """The metadata alone, without reading the tensors (for model pickers and `info`)."""
    return _info_from(Path(path), read_header(path))


def _info_from(p: Path, header: Header) -> ModelInfo:
    meta = header.metadata
    if METADATA_KEY not in meta:
        raise WeightFileError(p, "safetensors file without fcn-studio metadata (architecture, classes)")
    try:
        data = json.loads(meta[METADATA_KEY])
    except (ValueError, RecursionError) as exc:
        raise WeightFileError(p, f"fcn-studio metadata is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise WeightFileError(p, f"fcn-studio metadata must be a JSON object, found {type(data).__name__}")
    _check_class_count(p, data.get("arch"), data.get("num_classes"), header.shapes.get("score_fr.weight"))
    try:
        return ModelInfo.from_json(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise WeightFileError(p, f"invalid fcn-studio metadata ({exc})") from None


def _check_class_count(p: Path, arch: object, claimed: object, score_fr: tuple[int, ...] | None) -> None:
    """The class count must be score_fr's rows, before a list of class names is made for it."""
    if not isinstance(claimed, int) or isinstance(claimed, bool) or claimed < 1:
        raise WeightFileError(p, f"invalid fcn-studio metadata (num_classes must be a whole number >= 1, got {claimed!r})")
    if score_fr is None or len(score_fr) != 4 or min(score_fr) < 1:
        raise WeightFileError(p, f"no usable score_fr.weight tensor (shape {score_fr}); not an FCN model file")
    if claimed != score_fr[0]:
        raise WeightFileError(p, f"weights do not fit {arch}: wrong shape score_fr.weight {score_fr} "
                              f"(the metadata says {claimed} classes)")


def expected_shapes(info: ModelInfo) -> dict[str, tuple[int, ...]]:
    """Every tensor the model `info` describes, with its shape, from a build on the meta device."""
    with torch.device("meta"):
        model = build_model(info.arch, num_classes=info.num_classes, width=info.width, info=info)
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def load_model(path: str | Path, device: str | torch.device = "cpu") -> FCN:
    """Build the architecture the file names and load its tensors (float32), strictly."""
    header = read_header(path)
    info = _info_from(Path(path), header)
    try:
        own = expected_shapes(info)
    except (ValueError, TypeError, RuntimeError, OverflowError) as exc:
        raise WeightFileError(path, f"metadata describes no model we can build ({exc})") from None
    not_float = sorted(k for k, t in header.dtypes.items() if t not in FLOAT_TYPES)
    if not_float:
        raise WeightFileError(path, f"tensor {not_float[0]} is {header.dtypes[not_float[0]]}; a model's weights are floating point")
    check_fit(info.arch, own, header.shapes, path)
    model = build_model(info.arch, num_classes=info.num_classes, width=info.width, info=info)
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightFileError(path, f"corrupt tensor data ({exc})") from None
    load_state_checked(model, {k: v.float() for k, v in tensors.items()}, path)
    return model.to(device).eval()


def check_fit(arch: str, own: dict[str, tuple[int, ...]], given: dict[str, tuple[int, ...]], source: str | Path) -> None:
    """WeightFileError naming `source` unless `given` has exactly the tensors and shapes of `own`."""
    missing = sorted(set(own) - set(given))
    unexpected = sorted(set(given) - set(own))
    wrong = [f"{k} {tuple(given[k])} (needs {tuple(own[k])})" for k in own if k in given and tuple(given[k]) != tuple(own[k])]
    problems = []
    if missing:
        problems.append(f"missing {', '.join(missing[:4])}{' …' if len(missing) > 4 else ''}")
    if unexpected:
        problems.append(f"unexpected {', '.join(unexpected[:4])}{' …' if len(unexpected) > 4 else ''}")
    if wrong:
        problems.append(f"wrong shape {', '.join(wrong[:3])}")
    if problems:
        raise WeightFileError(source, f"weights do not fit {arch}: " + "; ".join(problems))


def load_state_checked(model: FCN, state: dict[str, torch.Tensor], source: str | Path) -> None:
    """`load_state_dict(strict=True)` after checking every name and shape, with a readable error."""
    check_fit(model.arch, {k: tuple(v.shape) for k, v in model.state_dict().items()},
              {k: tuple(v.shape) for k, v in state.items()}, source)
    model.load_state_dict(state, strict=True)
