"""fcn-studio: the Fully Convolutional Networks of Long, Shelhamer & Darrell, to see, run and train."""

import lazy_loader

__version__ = "0.1.0"

# `fcn_studio.Segmenter` loads the engine (and PyTorch) on first use, not on `import fcn_studio`:
# the command line imports this package before it knows whether it will need a model at all.
__getattr__, __dir__, _ = lazy_loader.attach(__name__, submod_attrs={
    "engine": ["ConfusionMatrix", "ModelInfo", "Segmenter", "build_model", "load_model", "open_model", "save_model"],
})

__all__ = ["ConfusionMatrix", "ModelInfo", "Segmenter", "build_model", "load_model", "open_model", "save_model"]
