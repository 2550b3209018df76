"""Weight surgery of the paper's staged training (§4.1–4.3; REF `surgery.py`, PTF `copy_params_*`).

- `copy_vgg16(model, path)`: the trunk from a torchvision VGG16 state_dict file, with fc6/fc7
  convolutionalised from the classifier (a C-major view of pool5, never a transpose).
- `transplant(src, dst)`: every same-named, same-shaped parameter, which is how FCN-16s starts
  from a trained FCN-32s and FCN-8s from a trained FCN-16s (new skip scores stay zero).
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from ..errors import WeightFileError
from .build import FCNModel, build_model
from .fcn import FCN
from .torch_load import refusal_reason, safe_torch_load
from .vgg import CONV_NAMES

log = logging.getLogger(__name__)

# torchvision `vgg16().features` indices of the 13 convolutions, in order (FCN_REFERENCE §8).
VGG16_FEATURE_INDICES = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)


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


def vgg16_to_fcn_state(vgg: dict[str, torch.Tensor], source: str | Path = "VGG16") -> dict[str, torch.Tensor]:
    """torchvision VGG16 keys → FCN trunk keys, fc6/fc7 reshaped into convolutions."""
    expected = [f"features.{i}.weight" for i in VGG16_FEATURE_INDICES] + ["classifier.0.weight", "classifier.3.weight"]
    missing = [k for k in expected if k not in vgg]
    if missing:
        raise WeightFileError(source, f"not a torchvision VGG16 state_dict (missing {', '.join(missing[:3])})")
    out: dict[str, torch.Tensor] = {}
    for name, idx in zip(CONV_NAMES, VGG16_FEATURE_INDICES):
        out[f"{name}.weight"] = vgg[f"features.{idx}.weight"]
        out[f"{name}.bias"] = vgg[f"features.{idx}.bias"]
    fc6, fc7 = vgg["classifier.0.weight"], vgg["classifier.3.weight"]
    pool5 = out["conv5_3.weight"].shape[0]
    if fc6.ndim != 2 or fc6.shape[1] != pool5 * 49:
        raise WeightFileError(source, f"classifier.0 has shape {tuple(fc6.shape)}, not VGG16's (4096, {pool5 * 49})")
    out["fc6.weight"] = fc6.reshape(fc6.shape[0], pool5, 7, 7)
    out["fc6.bias"] = vgg["classifier.0.bias"]
    out["fc7.weight"] = fc7.reshape(fc7.shape[0], fc7.shape[1], 1, 1)
    out["fc7.bias"] = vgg["classifier.3.bias"]
    return out


def copy_vgg16(model: FCN, path: str | Path) -> None:
    """Initialise the trunk from a torchvision VGG16 file the user supplies (never downloaded)."""
    state = vgg16_to_fcn_state(load_torch_state_dict(path), path)
    own = model.state_dict()
    for key, value in state.items():
        if own[key].shape != value.shape:
            raise WeightFileError(
                path, f"{key} has shape {tuple(value.shape)} but the model (width {model.width}) needs {tuple(own[key].shape)}"
            )
    with torch.no_grad():
        for key, value in state.items():
            own[key].copy_(value)
    log.info("trunk initialised from VGG16 weights %s", path)


def transplant(src: nn.Module, dst: nn.Module) -> list[str]:
    """Copy every parameter `dst` shares with `src` by name and shape; return the names copied."""
    src_state = src.state_dict()
    copied = []
    with torch.no_grad():
        for key, value in dst.state_dict().items():
            if key in src_state and src_state[key].shape == value.shape:
                value.copy_(src_state[key])
                copied.append(key)
    return copied


# Staged training on every trunk: each stage adds the next skip (CVPR §4.2).
NEXT_STAGE = {f"{trunk}fcn{a}s": f"{trunk}fcn{b}s"
              for trunk in ("", "alexnet-", "googlenet-") for a, b in ((32, 16), (16, 8))}


def next_stage(model: FCNModel) -> FCNModel:
    """FCN-32s → FCN-16s → FCN-8s on the same trunk, the new net starting from the old one's
    predictions: trunk, score_fr (and 8s's upscore2) copied, the new skip's score layer zero."""
    if model.arch not in NEXT_STAGE:
        raise ValueError(f"{model.arch} has no next stage (staged training goes 32s → 16s → 8s)")
    info = model.info
    nxt = build_model(NEXT_STAGE[model.arch], num_classes=model.num_classes, width=model.width)
    nxt.info = type(info)(**{**vars(info), "arch": nxt.arch})
    transplant(model, nxt)
    return nxt
