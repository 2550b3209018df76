"""Images, label palettes and datasets.

Every dataset is a `SegmentationDataset` yielding (3×H×W uint8 RGB, H×W int64 labels, 255 = void);
`open_dataset(root, split)` picks the right one for a folder. Problems raise `DatasetError` naming
the file (and the split-list line) at fault.
"""

import lazy_loader

from ..errors import DatasetError

# Names load on first use (PEP 562, through lazy_loader): importing the package costs nothing, so
# `fcn-studio --help` and the command line's argument checks never wait for PyTorch.
__getattr__, __dir__, _ = lazy_loader.attach(__name__, submod_attrs={
    "classes": ["ClassList", "classes_for_root", "read_classes_json", "write_classes_json"],
    "dataset": ["SegmentationDataset"],
    "detect": ["detect_layout", "open_dataset"],
    "folder": ["FolderDataset"],
    "sbd": ["SBDDataset", "read_sbd_label"],
    "synthetic": ["SCENE_CLASSES", "SyntheticScenes", "make_synthetic", "render_scene"],
    "voc": ["VOCDataset"],
})

__all__ = [
    "ClassList", "DatasetError", "FolderDataset", "SBDDataset", "SCENE_CLASSES", "SegmentationDataset",
    "SyntheticScenes", "VOCDataset", "classes_for_root", "detect_layout", "make_synthetic", "open_dataset",
    "read_classes_json", "read_sbd_label", "render_scene", "write_classes_json",
]
