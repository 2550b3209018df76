"""fcn-studio: the Fully Convolutional Networks of Long, Shelhamer & Darrell, to see, run and train."""

from .engine import (
    ConfusionMatrix,
    ModelInfo,
    Segmenter,
    build_model,
    load_model,
    open_model,
    save_model,
)

__version__ = "0.1.0"

__all__ = ["ConfusionMatrix", "ModelInfo", "Segmenter", "build_model", "load_model", "open_model", "save_model"]
