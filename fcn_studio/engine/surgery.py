"""Weight surgery of the paper's staged training (§4.2; REF `surgery.py`, PTF `copy_params_*`).

- `transplant(src, dst)`: every same-named, same-shaped parameter, which is how FCN-16s starts
  from a trained FCN-32s and FCN-8s from a trained FCN-16s (new skip scores stay zero).
- `next_stage(model)`: the next net of staged training on the same trunk, started that way.
- `adapt_to_classes(model, names)`: the same net for another label set (below).
- `widen(model, width)`: the same function at a wider width (Chen et al., Net2Net, ICLR 2016:
  every unit copied r times, its outgoing weights divided by r), for benchmarks that need a
  full-width net with a trained model's labels (a compact net's labels at VGG16's cost).

A trunk from an ImageNet classifier is `convolutionalise.copy_imagenet`.

**Another label set** (CVPR §4.3; REF `surgery.py`).

The trunk is copied as it is. Every class-dependent layer is rebuilt for the new class list:
score layers (`score_fr`, `score_pool4`, `score_pool3`, any `score_<skip>`) get the rows of the
classes kept *by name* copied bit for bit and zero rows for new classes, as the paper initialises
new score layers; the class-wise upsampling deconvolutions start bilinear per class, with the
learned kernels between kept classes copied. So before any training the adapted model scores every
new class 0 and the kept classes as the original did: bit for bit where they keep their index (new
classes added at the end, as the class editor does), to float32 rounding where they move (BLAS
kernels round an output channel in another SIMD lane differently).

When classes are dropped, what the learned 2× upsamplings had mixed in from them is gone: the kept
classes' scores then differ by that share (not at all while the upsamplings are still bilinear).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Sequence

import torch
from torch import nn

from ..palette import voc_color
from .build import build_model
from .fcn import FCN
from .registry import ARCHITECTURES

log = logging.getLogger(__name__)


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


def widen(model: FCN, width: float) -> FCN:
    """`model` at `width` (a whole multiple r of its own), computing what it computes: each trunk
    channel k of the new net is channel k // r of the old (weights and bias copied), and every weight
    reading trunk channels is divided by r, so the r copies sum to the old input. Equal up to float
    rounding (sums in another order); every channel is active, unlike padding with zeros."""
    ratio = width / model.width
    if ratio < 1 or abs(ratio - round(ratio)) > 1e-9:
        raise ValueError(f"width {width:g} is not a whole multiple of the model's {model.width:g}")
    r = round(ratio)
    wide = build_model(model.arch, num_classes=model.num_classes, width=width)
    wide.info = dataclasses.replace(model.info, width=width)
    state, shapes = {}, {name: t.shape for name, t in wide.state_dict().items()}
    with torch.no_grad():
        for name, old in model.state_dict().items():
            t, target = old, shapes[name]
            for dim in range(min(t.dim(), 2)):
                if target[dim] == r * t.shape[dim] != t.shape[dim]:
                    t = t.repeat_interleave(r, dim) / (r if dim == 1 else 1)
            if t.shape != target:
                raise ValueError(f"{name}: cannot widen {tuple(old.shape)} to {tuple(target)}")
            state[name] = t
    wide.load_state_dict(state)
    return wide.train(model.training)


def kept_classes(old: Sequence[str], new: Sequence[str]) -> list[tuple[int, int]]:
    """(new index, old index) of every class of `new` that `old` has by name, in `new`'s order."""
    where = {name: i for i, name in enumerate(old)}
    return [(i, where[name]) for i, name in enumerate(new) if name in where]


def _class_layers(model: FCN) -> dict[str, nn.Module]:
    """The layers whose channels are the classes: 1×1 `score_*` convs and C→C deconvolutions."""
    n = model.num_classes
    found = {}
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d) and name.split(".")[-1].startswith("score") and module.out_channels == n:
            found[name] = module
        elif isinstance(module, nn.ConvTranspose2d) and module.in_channels == module.out_channels == n:
            found[name] = module
    return found


def adapt_to_classes(model: FCN, class_names: Sequence[str],
                     palette: Sequence[Sequence[int]] | None = None) -> FCN:
    """A new model of the same architecture and trunk for `class_names` (see the module doc).

    `palette` gives the new classes' colours (kept classes keep theirs when it is None; new ones
    then get the VOC colours of their index). The original model is not changed."""
    names = list(class_names)
    if len(set(names)) != len(names) or not names or not all(names):
        raise ValueError("class names must be unique and non-empty")
    old_info = model.info
    keep = kept_classes(old_info.class_names, names)
    if palette is None:
        old_colours = dict(zip(old_info.class_names, old_info.palette))
        palette = [list(old_colours.get(name, voc_color(i))) for i, name in enumerate(names)]
    info = dataclasses.replace(
        old_info, num_classes=len(names), class_names=names, palette=[[int(v) for v in c] for c in palette],
        metrics={}, notes={**old_info.notes, "classes_from": list(old_info.class_names)})
    new = build_model(model.arch, len(names), model.width, info)
    old_layers, new_layers = _class_layers(model), _class_layers(new)
    if set(old_layers) != set(new_layers):
        raise ValueError(f"{model.arch}: class layers {sorted(old_layers)} vs {sorted(new_layers)} do not match")
    rows_new = torch.tensor([i for i, _ in keep], dtype=torch.long)
    rows_old = torch.tensor([j for _, j in keep], dtype=torch.long)
    with torch.no_grad():
        new_state, old_state = new.state_dict(), model.state_dict()
        for key, value in new_state.items():
            if key.rsplit(".", 1)[0] not in new_layers:
                value.copy_(old_state[key])
        for name, layer in new_layers.items():
            source = old_layers[name]
            if isinstance(layer, nn.ConvTranspose2d):  # weight is in × out × k × k; new classes stay bilinear
                block = source.weight[rows_old][:, rows_old]
                layer.weight[rows_new.unsqueeze(1), rows_new.unsqueeze(0)] = block
            else:
                layer.weight[rows_new] = source.weight[rows_old]
                layer.bias[rows_new] = source.bias[rows_old]
    new.train(model.training)
    for param_new, param_old in zip(new.parameters(), model.parameters()):
        param_new.requires_grad_(param_old.requires_grad)
    log.info("%s adapted to %d classes: %d kept by name, %d new", model.arch, len(names), len(keep), len(names) - len(keep))
    return new

