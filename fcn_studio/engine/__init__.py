"""Pure-PyTorch FCN engine: architectures, initialisation and surgery, weight files, prediction, metrics."""

from ..errors import WeightFileError
from .build import build_model
from .convolutionalise import copy_imagenet, import_imagenet_classifier
from .fcn import FCN
from .importers import import_caffemodel, import_pytorch_fcn, open_model
from .metrics import ConfusionMatrix, metrics_from_matrix
from .model_info import CAFFE_INPUT, GOOGLENET_INPUT, TORCHVISION_INPUT, InputSpec, ModelInfo
from .predictor import Prediction, Segmenter
from .registry import ARCHITECTURES, Architecture
from .surgery import next_stage, transplant
from .weights import load_model, read_info, save_model

__all__ = [
    "ARCHITECTURES", "Architecture", "CAFFE_INPUT", "ConfusionMatrix", "FCN", "GOOGLENET_INPUT", "InputSpec",
    "ModelInfo", "Prediction", "Segmenter", "TORCHVISION_INPUT", "WeightFileError", "build_model", "copy_imagenet",
    "import_caffemodel", "import_imagenet_classifier", "import_pytorch_fcn", "load_model", "metrics_from_matrix",
    "next_stage", "open_model", "read_info", "save_model", "transplant",
]
