"""Pure-PyTorch FCN engine: architectures, initialisation and surgery, weight files, prediction, metrics."""

import lazy_loader

from ..errors import WeightFileError

# Names load on first use (PEP 562, through lazy_loader): importing the package costs nothing, so
# `fcn-studio --help` and the command line's argument checks never wait for PyTorch.
__getattr__, __dir__, _ = lazy_loader.attach(__name__, submod_attrs={
    "build": ["build_model"],
    "convolutionalise": ["copy_imagenet", "import_imagenet_classifier"],
    "fcn": ["FCN"],
    "model_files": ["open_model"],
    "metrics": ["ConfusionMatrix", "metrics_from_matrix"],
    "model_info": ["CAFFE_INPUT", "GOOGLENET_INPUT", "TORCHVISION_INPUT", "InputSpec", "ModelInfo"],
    "predictor": ["Prediction", "Segmenter"],
    "reference_weights": ["import_caffemodel", "import_pytorch_fcn"],
    "registry": ["ARCHITECTURES", "Architecture"],
    "surgery": ["next_stage", "transplant"],
    "weights": ["load_model", "read_info", "save_model"],
})

__all__ = [
    "ARCHITECTURES", "Architecture", "CAFFE_INPUT", "ConfusionMatrix", "FCN", "GOOGLENET_INPUT", "InputSpec",
    "ModelInfo", "Prediction", "Segmenter", "TORCHVISION_INPUT", "WeightFileError", "build_model", "copy_imagenet",
    "import_caffemodel", "import_imagenet_classifier", "import_pytorch_fcn", "load_model", "metrics_from_matrix",
    "next_stage", "open_model", "read_info", "save_model", "transplant",
]
