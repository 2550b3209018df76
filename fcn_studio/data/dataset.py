"""The contract every dataset keeps, so training and evaluation never care where data came from.

An item is `(image, label)`: image a 3×H×W uint8 tensor (RGB), label an H×W int64 tensor of class
indices with 255 for void. Normalisation belongs to the model (its InputSpec), not the dataset.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from ..palette import VOC_CLASSES, voc_palette


class SegmentationDataset(Dataset):
    """Base class: subclasses fill `ids` and implement `image_path`, `label_path` and `load`."""

    def __init__(self, root: str | Path, class_names: list[str] | None = None, palette: np.ndarray | None = None):
        self.root = Path(root)
        self.ids: list[str] = []
        self.class_names = list(class_names or VOC_CLASSES)
        self.palette = voc_palette(len(self.class_names)) if palette is None else np.asarray(palette, np.uint8)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __len__(self) -> int:
        return len(self.ids)

    def image_path(self, index: int) -> Path:
        raise NotImplementedError

    def label_path(self, index: int) -> Path:
        raise NotImplementedError

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(H×W×3 uint8 RGB, H×W uint8 labels); subclasses raise DatasetError naming the file."""
        raise NotImplementedError

    def listed_at(self, index: int) -> str:
        """Where item `index` was named ("line 3 of …/train.txt"), or "" when no list named it."""
        return ""

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        rgb, label = self.load(index)
        rgb = np.require(rgb, np.uint8, ["C", "W"])  # arrays straight from PIL are read-only
        return torch.from_numpy(rgb).permute(2, 0, 1).contiguous(), torch.from_numpy(label.astype(np.int64))
