"""Public FCN weights into our models: pytorch-fcn `.pth` files and Caffe `.caffemodel` files.

Both were trained on Caffe's VGG16 and expect BGR, 0–255, mean-subtracted input: the ModelInfo we
attach says so, and the predictor obeys it.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from ..errors import WeightFileError
from .build import build_model
from .caffe_proto import ProtoError, parse_net
from .fcn import FCN
from .model_info import CAFFE_INPUT, ModelInfo
from .registry import of_trunk
from .torch_files import load_torch_state_dict
from .weights import check_fit, expected_shapes, load_state_checked


def _arch_from_names(names: set[str], atonce: bool) -> str | None:
    """The finest VGG16 net (REF's and pytorch-fcn's trunk) whose finest score layer the file holds,
    the at-once one if `atonce` and there is one at that stride."""
    fitting = [a for a in of_trunk("vgg16") if f"score_{a.skips[-1] if a.skips else 'fr'}" in names]
    if not fitting:
        return None
    finest = [a for a in fitting if a.stride == min(f.stride for f in fitting)]
    return next((a for a in finest if a.at_once == atonce), finest[0]).name


def _build_for(state: dict[str, torch.Tensor], arch: str, source: Path, fmt: str) -> FCN:
    """The model the tensors describe, checked on the meta device before anything is allocated.

    Classes and width are read from score_fr's and conv1_1's shapes, so a tiny file cannot make
    us build a gigantic net: every tensor must be in the file, with the shape the model needs.
    """
    odd = sorted(k for k, v in state.items() if not v.is_floating_point())
    if odd:
        raise WeightFileError(source, f"tensor {odd[0]} is {state[odd[0]].dtype}; a model's weights are floating point")
    score_fr, conv1 = (state.get(k) for k in ("score_fr.weight", "conv1_1.weight"))
    if score_fr is None or conv1 is None or min(score_fr.ndim, conv1.ndim, score_fr.numel(), conv1.numel()) < 1:
        raise WeightFileError(source, "conv1_1 or score_fr weights are missing or empty")
    info = ModelInfo(
        arch=arch, num_classes=int(score_fr.shape[0]), width=conv1.shape[0] / 64, input=CAFFE_INPUT,
        notes={"imported_from": source.name, "format": fmt},
    )
    own = expected_shapes(info)
    for key, value in list(state.items()):  # legacy 4-D Caffe blob shapes (1, 1, 1, N)
        if key in own and tuple(value.shape) != own[key] and value.numel() == math.prod(own[key]):
            state[key] = value.reshape(own[key])
    check_fit(arch, own, {k: tuple(v.shape) for k, v in state.items()}, source)
    model = build_model(arch, num_classes=info.num_classes, width=info.width, info=info)
    load_state_checked(model, {k: v.float() for k, v in state.items()}, source)
    return model.eval()


def import_pytorch_fcn(path: str | Path, arch: str | None = None) -> FCN:
    """A pytorch-fcn state_dict (or its trainer checkpoint), loaded with `weights_only=True`.

    The keys cannot tell FCN-8s from FCN-8s at-once; `arch` or an "atonce" in the file name does.
    """
    path = Path(path)
    state = load_torch_state_dict(path)
    guessed = _arch_from_names({k.split(".")[0] for k in state}, "atonce" in path.name.lower())
    arch = arch or guessed
    if arch is None or "conv1_1.weight" not in state:
        raise WeightFileError(path, "not an FCN-VGG16 state_dict (no conv1_1 / score_fr weights)")
    return _build_for(dict(state), arch, path, "pytorch-fcn")


def import_caffemodel(path: str | Path) -> FCN:
    """A Caffe FCN-VGG16 `.caffemodel` (REF `*-heavy-pascal`), parsed without Caffe."""
    path = Path(path)
    if not path.is_file():
        raise WeightFileError(path, "no such file")
    try:
        layers = parse_net(path.read_bytes())
    except ProtoError as exc:
        raise WeightFileError(path, f"not a valid caffemodel ({exc})") from None
    names = {layer.name for layer in layers if layer.blobs}
    arch = _arch_from_names(names, "scale_pool4" in {layer.name for layer in layers})
    if arch is None or "conv1_1" not in names:
        listed = ", ".join(sorted(names)[:6]) or "none"
        raise WeightFileError(path, f"not an FCN-VGG16 caffemodel (layers with weights: {listed})")
    state: dict[str, torch.Tensor] = {}
    for layer in layers:
        if not layer.blobs or layer.name.startswith("scale_pool"):
            continue  # the at-once scales are constants of the architecture, not weights
        state[f"{layer.name}.weight"] = torch.from_numpy(layer.blobs[0])
        if len(layer.blobs) > 1:
            state[f"{layer.name}.bias"] = torch.from_numpy(layer.blobs[1].reshape(-1))
    return _build_for(state, arch, path, "caffe")
