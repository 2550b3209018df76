"""Datasets backed by files: an image path and a label path per id, and sets named by a split list.

VOC, SBD and plain folders differ in where they look and how a label file decodes; storing the
matched paths, answering `image_path`/`label_path` and opening a listed split are the same code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import DatasetError
from .classes import classes_for_root
from .dataset import SegmentationDataset
from .labels import load_pair
from .splits import match_files, read_split_file, require_folder, resolve_split


class FileDataset(SegmentationDataset):
    """Subclasses fill `ids`, `_images` and `_labels` in step; `load` reads palette/index PNGs."""

    def __init__(self, root: str | Path, class_names: list[str] | None = None, palette: np.ndarray | None = None):
        super().__init__(root, class_names, palette)
        self._images: list[Path] = []
        self._labels: list[Path] = []
        self._listed: list[str] = []  # "line N of FILE" per item, for items a split list named

    def image_path(self, index: int) -> Path:
        return self._images[index]

    def label_path(self, index: int) -> Path:
        return self._labels[index]

    def listed_at(self, index: int) -> str:
        return self._listed[index] if index < len(self._listed) else ""

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return load_pair(self._images[index], self._labels[index], self.num_classes, self.palette)


class ListedDataset(FileDataset):
    """A layout found in or under ROOT (`find_root`), whose split list names ids that must exist
    in `image_dir` and `label_dir`; every listed file is checked when the set opens."""

    image_dir = ""
    label_dir = ""
    image_extensions: tuple[str, ...] = ()
    label_extensions: tuple[str, ...] = ()
    layout_hint = ""  # what ROOT should hold, for the error when it holds none of it

    def __init__(self, root: str | os.PathLike, split: str | os.PathLike,
                 find_root: Callable[[Path], Path | None], lists_dir: Callable[[Path], Path]):
        given = Path(root)
        require_folder(given)
        base = find_root(given)
        if base is None:
            raise DatasetError(given, self.layout_hint)
        classes = classes_for_root(base)
        super().__init__(base, list(classes.names), classes.palette)
        self.split_file = resolve_split(split, lists_dir(base), base)
        entries = read_split_file(self.split_file)
        self._images, self._labels = match_files(entries, self.split_file, [
            (base / self.image_dir, self.image_extensions, "image"), (base / self.label_dir, self.label_extensions, "label")])
        self.ids = [e.id for e in entries]
        self._listed = [f"line {e.line} of {self.split_file}" for e in entries]
