"""Images, label palettes and datasets.

Every dataset is a `SegmentationDataset` yielding (3×H×W uint8 RGB, H×W int64 labels, 255 = void);
`open_dataset(root, split)` picks the right one for a folder. Problems raise `DatasetError` naming
the file (and the split-list line) at fault.
"""

from ..errors import DatasetError
from .classes import ClassList, classes_for_root, read_classes_json, write_classes_json
from .dataset import SegmentationDataset
from .detect import detect_layout, open_dataset
from .folder import FolderDataset
from .sbd import SBDDataset, read_sbd_label
from .synthetic import SCENE_CLASSES, SyntheticScenes, make_synthetic, render_scene
from .voc import VOCDataset

__all__ = [
    "ClassList", "DatasetError", "FolderDataset", "SBDDataset", "SCENE_CLASSES", "SegmentationDataset",
    "SyntheticScenes", "VOCDataset", "classes_for_root", "detect_layout", "make_synthetic", "open_dataset",
    "read_classes_json", "read_sbd_label", "render_scene", "write_classes_json",
]
