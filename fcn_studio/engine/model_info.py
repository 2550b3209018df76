"""What a model file says about itself: architecture, classes, colours, input convention, history.

Everything the predictor and the GUI need travels with the weights, so a model file is
self-describing and loading it never runs code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..palette import VOC_CLASSES, voc_palette

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
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise ValueError("mean and std need three values, std positive")


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
        if not self.class_names:
            self.class_names = default_class_names(self.num_classes)
        if not self.palette:
            self.palette = voc_palette(self.num_classes).tolist()
        if len(self.class_names) != self.num_classes:
            raise ValueError(f"{len(self.class_names)} class names for {self.num_classes} classes")
        if len(self.palette) != self.num_classes:
            raise ValueError(f"{len(self.palette)} palette colours for {self.num_classes} classes")

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
        spec = data.pop("input", {})
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "input"}
        return cls(input=InputSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()}), **known)
