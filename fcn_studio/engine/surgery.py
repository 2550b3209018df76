"""Weight surgery of the paper's staged training (§4.2; REF `surgery.py`, PTF `copy_params_*`).

- `transplant(src, dst)`: every same-named, same-shaped parameter, which is how FCN-16s starts
  from a trained FCN-32s and FCN-8s from a trained FCN-16s (new skip scores stay zero).
- `next_stage(model)`: the next net of staged training on the same trunk, started that way.

A trunk from an ImageNet classifier is `convolutionalise.copy_imagenet`.
"""

from __future__ import annotations


import torch
from torch import nn

from .build import build_model
from .fcn import FCN
from .registry import ARCHITECTURES




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


def next_stage(model: FCN) -> FCN:
    """FCN-32s → FCN-16s → FCN-8s on the same trunk, the new net starting from the old one's
    predictions: trunk, score_fr (and 8s's upscore2) copied, the new skip's score layer zero."""
    arch = ARCHITECTURES.get(model.arch)
    if arch is None or not arch.next:
        raise ValueError(f"{model.arch} has no next stage (staged training goes 32s → 16s → 8s)")
    info = model.info
    nxt = build_model(arch.next, num_classes=model.num_classes, width=model.width)
    nxt.info = type(info)(**{**vars(info), "arch": nxt.arch})
    transplant(model, nxt)
    return nxt
