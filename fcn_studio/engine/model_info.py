"""What a model file says about itself: architecture, classes, colours, input convention, history.

Everything the predictor and the GUI need travels with the weights, so a model file is
self-describing and loading it never runs code. The input convention is applied here too
(`normalize`, `to_input`), beside its spec: the predictor, training, evaluation and int8
calibration all turn images into input the same way.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..palette import VOC_CLASSES, voc_palette

if TYPE_CHECKING:  # the metadata is read by commands that never run a net: PyTorch loads on first use
    import torch

FORMAT_VERSION = 1


@dataclass(frozen=True)
class InputSpec:
    """How an RGB uint8 image becomes the network's input: order, scale, mean, std."""

    channel_order: str = "RGB"
    scale: float = 1.0 / 255.0
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)

    def __post_init__(self) -> None:
        if self.channel_order not in ("RGB", "BGR"):
            raise ValueError(f"channel_order must be RGB or BGR, got {self.channel_order!r}")
        if not _finite_number(self.scale) or self.scale <= 0:
            raise ValueError(f"input scale must be a positive number, got {self.scale!r}")
        triples = (self.mean, self.std)
        if not all(isinstance(t, (tuple, list)) and len(t) == 3 and all(map(_finite_number, t)) for t in triples):
            raise ValueError(f"mean and std need three numbers each, got {self.mean!r} and {self.std!r}")
        if min(self.std) <= 0:
            raise ValueError(f"std must be positive, got {self.std!r}")


def to_input(rgb: np.ndarray, spec: InputSpec, device: torch.device | str = "cpu") -> torch.Tensor:
    """H×W×3 uint8 RGB → 1×3×H×W float tensor in the model's convention."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(rgb)).to(device)
    return normalize(x.permute(2, 0, 1).unsqueeze(0), spec)


def normalize(x: torch.Tensor, spec: InputSpec) -> torch.Tensor:
    """N×3×H×W RGB (uint8 or float, 0–255) → float input in the model's convention."""
    import torch

    x = x.float()
    if spec.channel_order == "BGR":
        x = x.flip(1)
    mean = torch.tensor(spec.mean, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(spec.std, device=x.device).view(1, 3, 1, 1)
    return (x * spec.scale - mean) / std


def _finite_number(value: object) -> bool:
    """A real number (not a bool, a string, NaN or infinity)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: object, low: int, high: float = math.inf) -> bool:
    """A whole number in [low, high] (numpy integers count; bools do not)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and low <= value <= high


# torchvision's ImageNet convention (RGB, 0–1, mean/std): our own models use it.
TORCHVISION_INPUT = InputSpec()
# torchvision's GoogLeNet ImageNet weights were trained on RGB scaled to [-1, 1]: its
# `transform_input` turns ImageNet-normalised input back into that, which this spec does directly.
GOOGLENET_INPUT = InputSpec(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
# Caffe VGG16 and everything derived from it (REF, pytorch-fcn): BGR, 0–255, mean only.
CAFFE_INPUT = InputSpec(
    channel_order="BGR",
    scale=1.0,
    mean=(104.00698793, 116.66876762, 122.67891434),
    std=(1.0, 1.0, 1.0),
)


def default_class_names(num_classes: int) -> list[str]:
    if num_classes == len(VOC_CLASSES):
        return list(VOC_CLASSES)
    return ["background"] + [f"class_{k}" for k in range(1, num_classes)]


@dataclass
class ModelInfo:
    arch: str
    num_classes: int
    width: float = 1.0
    class_names: list[str] = field(default_factory=list)
    palette: list[list[int]] = field(default_factory=list)
    input: InputSpec = TORCHVISION_INPUT
    recipe: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A model file's metadata arrives here straight from JSON: every field is checked for its
        # type and range, so a palette entry 999 or a width "wide" fails as a bad file, not later.
        if not isinstance(self.arch, str):
            raise ValueError(f"arch must be a name, got {self.arch!r}")
        if not _whole(self.num_classes, 1):
            raise ValueError(f"num_classes must be a whole number >= 1, got {self.num_classes!r}")
        if not _finite_number(self.width) or self.width <= 0:
            raise ValueError(f"width must be a positive number, got {self.width!r}")
        if not isinstance(self.input, InputSpec):
            raise ValueError(f"input must be an input convention, got {self.input!r}")
        for name in ("recipe", "metrics", "notes"):
            if not isinstance(getattr(self, name), dict):
                raise ValueError(f"{name} must be a JSON object, got {getattr(self, name)!r}")
        if not self.class_names:
            self.class_names = default_class_names(self.num_classes)
        if not self.palette:
            self.palette = voc_palette(self.num_classes).tolist()
        if len(self.class_names) != self.num_classes:
            raise ValueError(f"{len(self.class_names)} class names for {self.num_classes} classes")
        if len(self.palette) != self.num_classes:
            raise ValueError(f"{len(self.palette)} palette colours for {self.num_classes} classes")
        if not all(isinstance(name, str) for name in self.class_names):
            raise ValueError("class names must be text")
        for colour in self.palette:
            if isinstance(colour, (str, bytes, dict)) or not hasattr(colour, "__len__") or len(colour) != 3 \
                    or not all(_whole(c, 0, 255) for c in colour):
                raise ValueError(f"palette colour {colour!r} is not three whole numbers in 0..255")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["format_version"] = FORMAT_VERSION
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ModelInfo":
        data = dict(data)
        version = data.pop("format_version", FORMAT_VERSION)
        if version > FORMAT_VERSION:
            raise ValueError(f"model format version {version} is newer than this program ({FORMAT_VERSION})")
        if not _whole(version, 0):
            raise ValueError(f"format_version must be a whole number, got {version!r}")
        spec = data.pop("input", {})
        if not isinstance(spec, dict):
            raise ValueError(f"input must be a JSON object, got {spec!r}")
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "input"}
        for key in ("class_names", "palette"):
            if key in known and not isinstance(known[key], list):
                raise ValueError(f"{key} must be a list, got {known[key]!r}")
        return cls(input=InputSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()}), **known)
