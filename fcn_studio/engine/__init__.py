"""Pure-PyTorch FCN engine: architectures, initialisation and surgery, weight files, prediction, metrics."""

from ..errors import WeightFileError
from .alexnet import AlexNetFCN8s, AlexNetFCN16s, AlexNetFCN32s
from .backbone_fcn import BackboneFCN
from .build import ARCHITECTURES, FCNModel, build_model
from .convolutionalise import copy_imagenet, import_imagenet_classifier
from .fcn import BLOB_GEOMETRY, FCN, FCN8s, FCN8sAtOnce, FCN16s, FCN32s
from .importers import import_caffemodel, import_pytorch_fcn, open_model
from .metrics import ConfusionMatrix, metrics_from_matrix
from .googlenet import GoogLeNetFCN8s, GoogLeNetFCN16s, GoogLeNetFCN32s
from .model_info import CAFFE_INPUT, GOOGLENET_INPUT, TORCHVISION_INPUT, InputSpec, ModelInfo
from .predictor import Prediction, Segmenter
from .surgery import copy_vgg16, next_stage, transplant
from .weights import load_model, read_info, save_model

__all__ = [
    "AlexNetFCN8s", "AlexNetFCN16s", "AlexNetFCN32s", "BackboneFCN", "FCNModel", "GOOGLENET_INPUT",
    "GoogLeNetFCN8s", "GoogLeNetFCN16s", "GoogLeNetFCN32s", "copy_imagenet",
    "import_imagenet_classifier",
    "ARCHITECTURES", "BLOB_GEOMETRY", "CAFFE_INPUT", "ConfusionMatrix", "FCN", "FCN8s", "FCN8sAtOnce",
    "FCN16s", "FCN32s", "InputSpec", "ModelInfo", "Prediction", "Segmenter", "TORCHVISION_INPUT",
    "WeightFileError", "build_model", "copy_vgg16", "import_caffemodel", "import_pytorch_fcn",
    "load_model", "metrics_from_matrix", "next_stage", "open_model", "read_info", "save_model", "transplant",
]
