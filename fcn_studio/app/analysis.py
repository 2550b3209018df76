"""What a result says beyond its labels: what a skip changed, per-image metrics, the class and score
under a pixel, the internal score maps and where they lie (drawing them is `app/overlay.py`'s).

They live here, not in the widgets, so that they are tested without Qt and the GUI only paints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import ConfusionMatrix, Prediction


def skip_changes(coarse: np.ndarray, fine: np.ndarray) -> np.ndarray:
    """Boolean map of the pixels whose label the finer head changed (16s vs 32s, 8s vs 16s)."""
    if coarse.shape != fine.shape:
        raise ValueError(f"label maps differ in shape: {coarse.shape} vs {fine.shape}")
    return coarse != fine


def image_metrics(labels: np.ndarray, truth: np.ndarray, num_classes: int) -> dict:
    """The paper's metrics for one image (void 255 ignored), with the engine's ConfusionMatrix."""
    cm = ConfusionMatrix(num_classes)
    cm.update(labels, truth)
    return cm.compute()


def pixel_readout(pred: Prediction, x: int, y: int) -> tuple[int, float] | None:
    """(class, softmax score) at image pixel (x, y), or None outside the image."""
    h, w = pred.labels.shape
    if not (0 <= x < w and 0 <= y < h):
        return None
    label = int(pred.labels[y, x])
    score = float(pred.scores[label, y, x]) if pred.scores is not None else float("nan")
    return label, score


@dataclass
class InternalMap:
    """One class's channel of a named score map and where its cells lie on the image.

    `rect` = (x, y, width, height) in image pixels (pixel i covers [i, i+1)). Cell j's centre is
    at stride·(j − offset) in Caffe's point coordinates, i.e. the centre of input pixel
    stride·(j − offset), so the map starts half a cell before that.
    """

    name: str
    values: np.ndarray
    stride: int
    offset: float

    @property
    def rect(self) -> tuple[float, float, float, float]:
        h, w = self.values.shape
        start = 0.5 - self.stride * self.offset - self.stride / 2
        return start, start, w * self.stride, h * self.stride


def internal_maps(pred: Prediction, class_index: int) -> list[InternalMap]:
    """Every score map of the forward pass for one class, in the order the pass made them (coarse
    to fine), placed by the geometry the model reported — whatever its trunk calls its blobs.

    The final upsampling is left out: `logits` is that map cropped to the image.
    """
    if pred.intermediates is None or pred.geometry is None:
        return []
    out = []
    for name, values in pred.intermediates.items():
        if name in pred.geometry and (pred.geometry[name][0] > 1 or name == "logits"):
            stride, offset = pred.geometry[name]
            out.append(InternalMap(name, values[class_index], stride, offset))
    return out
