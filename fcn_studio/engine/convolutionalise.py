"""torchvision ImageNet classifiers as FCN trunks: fully connected layers become convolutions (CVPR §3.1).

The user passes a local state_dict file (read with `weights_only=True`, never downloaded).

- AlexNet: `features.{0,3,6,8,10}` → conv1 … conv5; `classifier.1` (Linear 9216 → 4096) → fc6 as
  a 4096×256×6×6 kernel — the C-major view of pool5 that `torch.flatten` feeds the Linear, never a
  transpose; `classifier.4` → fc7 (×1×1); `classifier.6` (fc8) → score_fr for the classifier net.
- GoogLeNet: the keys are ours already; `fc` (after the average pooling the FCN drops) → score_fr
  1×1, and the auxiliary classifiers are left out (the paper keeps the final loss layer only).
  Averaging the convolutional score map over the 7×7 cells of a 224 px input is the classifier.
- VGG16: `features.{0,2,5,…,28}` → conv1_1 … conv5_3, `classifier.0` → fc6 (the C-major view of
  pool5 as 4096×512×7×7), `classifier.3` → fc7 (×1×1); fc8 is not taken over.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from ..errors import WeightFileError
from .build import build_model
from .fcn import FCN
from .model_info import InputSpec, ModelInfo
from .registry import TRUNKS, find
from .torch_files import load_torch_state_dict
from .vgg import CONV_NAMES
from .weights import load_state_checked

log = logging.getLogger(__name__)

# torchvision `vgg16().features` indices of the 13 convolutions, in order (FCN_REFERENCE §8).
VGG16_FEATURE_INDICES = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)
ALEXNET_CONV_KEYS = {"conv1": "features.0", "conv2": "features.3", "conv3": "features.6",
                     "conv4": "features.8", "conv5": "features.10"}
ALEXNET_FC_KEYS = {"fc6": "classifier.1", "fc7": "classifier.4"}
ALEXNET_FC8, GOOGLENET_FC8 = "classifier.6", "fc"
INPUT_OF = {name: trunk.imagenet_input for name, trunk in TRUNKS.items()}
# The classifiers whose fc8 becomes score_fr: their 32s nets are the whole classifier, convolutional.
CLASSIFIER_ARCHS = {backbone: find(backbone, "32s").name for backbone in ("alexnet", "googlenet")}


def _require(state: dict[str, torch.Tensor], keys: list[str], backbone: str, source: str | Path) -> None:
    missing = [k for k in keys if k not in state]
    if missing:
        raise WeightFileError(source, f"not a torchvision {backbone} state_dict (missing {', '.join(missing[:3])})")


def _fc8_as_score(state: dict[str, torch.Tensor], key: str) -> dict[str, torch.Tensor]:
    weight = state[f"{key}.weight"]
    return {"score_fr.weight": weight.reshape(*weight.shape, 1, 1), "score_fr.bias": state[f"{key}.bias"]}


def vgg16_to_fcn_state(vgg: dict[str, torch.Tensor], source: str | Path = "VGG16") -> dict[str, torch.Tensor]:
    """torchvision VGG16 keys → FCN trunk keys, fc6/fc7 reshaped into convolutions."""
    _require(vgg, [f"features.{i}.weight" for i in VGG16_FEATURE_INDICES] + ["classifier.0.weight", "classifier.3.weight"],
             "VGG16", source)
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


def alexnet_to_fcn_state(tv: dict[str, torch.Tensor], source: str | Path = "AlexNet") -> dict[str, torch.Tensor]:
    """torchvision AlexNet keys → FCN-AlexNet keys, fc6/fc7/fc8 reshaped into convolutions."""
    _require(tv, [f"{k}.weight" for k in (*ALEXNET_CONV_KEYS.values(), *ALEXNET_FC_KEYS.values())], "AlexNet", source)
    out = {f"{ours}.{p}": tv[f"{theirs}.{p}"] for ours, theirs in ALEXNET_CONV_KEYS.items() for p in ("weight", "bias")}
    pool5 = out["conv5.weight"].shape[0]
    fc6 = tv["classifier.1.weight"]
    if fc6.shape[1] != pool5 * 36:
        raise WeightFileError(source, f"classifier.1 has shape {tuple(fc6.shape)}, not AlexNet's (4096, {pool5 * 36})")
    out["fc6.weight"] = fc6.reshape(fc6.shape[0], pool5, 6, 6)
    fc7 = tv["classifier.4.weight"]
    out["fc7.weight"] = fc7.reshape(*fc7.shape, 1, 1)
    for ours, theirs in ALEXNET_FC_KEYS.items():
        out[f"{ours}.bias"] = tv[f"{theirs}.bias"]
    if f"{ALEXNET_FC8}.weight" in tv:
        out.update(_fc8_as_score(tv, ALEXNET_FC8))
    return out


def googlenet_to_fcn_state(tv: dict[str, torch.Tensor], source: str | Path = "GoogLeNet") -> dict[str, torch.Tensor]:
    """torchvision GoogLeNet keys → FCN-GoogLeNet keys: aux classifiers dropped, fc → score_fr."""
    _require(tv, ["conv1.conv.weight", "inception5b.branch1.conv.weight"], "GoogLeNet", source)
    out = {k: v for k, v in tv.items() if not k.startswith(("aux1.", "aux2.", f"{GOOGLENET_FC8}."))}
    if f"{GOOGLENET_FC8}.weight" in tv:
        out.update(_fc8_as_score(tv, GOOGLENET_FC8))
    return out


CONVERTERS = {"vgg16": vgg16_to_fcn_state, "alexnet": alexnet_to_fcn_state, "googlenet": googlenet_to_fcn_state}


def copy_imagenet(model: FCN, path: str | Path) -> None:
    """Initialise `model`'s trunk from a torchvision ImageNet file of its backbone (the paper's start).

    score_fr stays zero and upscore bilinear; the model's input convention becomes the weights'.
    """
    state = CONVERTERS[model.backbone](load_torch_state_dict(path), path)
    own = model.state_dict()
    trunk = {k: v for k, v in state.items() if not k.startswith("score_fr.")}
    for key, value in trunk.items():
        if key not in own or own[key].shape != value.shape:
            need = tuple(own[key].shape) if key in own else "nothing"
            raise WeightFileError(path, f"{key} has shape {tuple(value.shape)} but the model (width {model.width}) needs {need}")
    with torch.no_grad():
        for key, value in trunk.items():
            own[key].copy_(value)
    model.info.input = INPUT_OF[model.backbone]
    log.info("%s trunk initialised from ImageNet weights %s", model.backbone, path)


def import_imagenet_classifier(path: str | Path, backbone: str, input_spec: InputSpec | None = None) -> FCN:
    """The whole ImageNet classifier as a fully convolutional net: score_fr holds fc8, so
    `intermediates(x)["score_fr"]` is the class heatmap of CVPR Fig. 2 (one cell per 32 px)."""
    if backbone not in CLASSIFIER_ARCHS:
        raise ValueError(f"backbone must be one of {', '.join(CLASSIFIER_ARCHS)}, got {backbone!r}")
    state = CONVERTERS[backbone](load_torch_state_dict(path), path)
    if "score_fr.weight" not in state:
        raise WeightFileError(path, "has no final classifier layer to convolutionalise")
    num_classes = state["score_fr.weight"].shape[0]
    width = state["conv1.weight" if backbone == "alexnet" else "conv1.conv.weight"].shape[0] / 64
    arch = CLASSIFIER_ARCHS[backbone]
    info = ModelInfo(arch=arch, num_classes=num_classes, width=width,
                     class_names=[f"class_{k}" for k in range(num_classes)],
                     input=input_spec or INPUT_OF[backbone],
                     notes={"imported_from": Path(path).name, "format": "torchvision ImageNet classifier"})
    model = build_model(arch, num_classes=num_classes, width=width, info=info)
    load_state_checked(model, {**state, "upscore.weight": model.upscore.weight.detach()}, path)
    return model.eval()
