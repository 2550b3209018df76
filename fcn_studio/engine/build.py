"""`build_model`: the one door to every architecture, returning a model that knows its ModelInfo."""

from __future__ import annotations

from .fcn import FCN
from .model_info import ModelInfo
from .registry import ARCHITECTURES


def build_model(name: str, num_classes: int = 21, width: float = 1.0, info: ModelInfo | None = None) -> FCN:
    """A freshly initialised FCN: He-initialised trunk, zero scores, bilinear upsampling.

    `info` defaults to VOC class names and palette for 21 classes; pass one to describe
    another class set. The model carries it as `model.info`.
    """
    key = name.lower().replace("_", "-")
    if key not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}")
    model = ARCHITECTURES[key].build(num_classes=num_classes, width=width)
    if info is None:
        info = ModelInfo(arch=key, num_classes=num_classes, width=width)
    elif (info.arch, info.num_classes, info.width) != (key, num_classes, width):
        raise ValueError(
            f"model info describes {info.arch} with {info.num_classes} classes at width {info.width}, "
            f"not {key} with {num_classes} at width {width}"
        )
    model.info = info
    return model
