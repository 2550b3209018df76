"""The paper's four metrics from a confusion matrix accumulated over a whole split (CVPR §5).

Rows are ground truth, columns predictions (REF `score.fast_hist`). Pixels whose truth is outside
0..n−1 (the void label 255) are dropped before counting. The matrix lives on the device of the
tensors it is fed, so evaluation never copies label maps back to the host.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ..palette import VOID_LABEL


class ConfusionMatrix:
    def __init__(self, num_classes: int, ignore_index: int = VOID_LABEL):
        if num_classes < 1:
            raise ValueError("num_classes must be at least 1")
        self.num_classes = num_classes
        self.ignore_index = ignore_index
        self.mat: torch.Tensor | None = None

    def update(self, pred: torch.Tensor | np.ndarray, target: torch.Tensor | np.ndarray) -> None:
        """Count one batch (any shape, same for both) of predicted and true labels."""
        pred = torch.as_tensor(pred)
        target = torch.as_tensor(target, device=pred.device)
        if pred.shape != target.shape:
            raise ValueError(f"prediction shape {tuple(pred.shape)} differs from target shape {tuple(target.shape)}")
        n = self.num_classes
        target = target.reshape(-1).long()
        pred = pred.reshape(-1).long()
        keep = (target >= 0) & (target < n) & (target != self.ignore_index)
        counts = torch.bincount(n * target[keep] + pred[keep].clamp(0, n - 1), minlength=n * n)
        counts = counts.reshape(n, n)
        self.mat = counts if self.mat is None else self.mat + counts.to(self.mat.device)

    def merge(self, other: "ConfusionMatrix") -> "ConfusionMatrix":
        """Add another matrix's counts (e.g. another process's) into this one."""
        if other.num_classes != self.num_classes:
            raise ValueError("cannot merge confusion matrices of different class counts")
        if other.mat is not None:
            self.mat = other.mat.clone() if self.mat is None else self.mat + other.mat.to(self.mat.device)
        return self

    def reset(self) -> None:
        self.mat = None

    def matrix(self) -> np.ndarray:
        """n×n int64 counts on the host."""
        if self.mat is None:
            return np.zeros((self.num_classes, self.num_classes), dtype=np.int64)
        return self.mat.detach().cpu().numpy().astype(np.int64)

    def compute(self) -> dict[str, Any]:
        return metrics_from_matrix(self.matrix())


def metrics_from_matrix(hist: np.ndarray) -> dict[str, Any]:
    """pixel acc, mean acc, mean IU, f.w. IU and per-class IU (NaN where a class is undefined).

    A class absent from both truth and prediction has IU 0/0 and is left out of the means, as
    REF's `nanmean` does; a class predicted but absent from truth counts as IU 0.
    """
    hist = hist.astype(np.float64)
    diag = np.diag(hist)
    truth = hist.sum(1)
    pred = hist.sum(0)
    total = hist.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        acc = diag / truth
        iu = diag / (truth + pred - diag)
    freq = truth / total if total > 0 else np.zeros_like(truth)
    valid = freq > 0
    return {
        "pixel_acc": float(diag.sum() / total) if total > 0 else math.nan,
        "mean_acc": _nanmean(acc),
        "mean_iu": _nanmean(iu),
        "fwiu": float((freq[valid] * iu[valid]).sum()) if total > 0 else math.nan,
        "iu": [float(v) for v in iu],
    }


def _nanmean(values: np.ndarray) -> float:
    finite = values[~np.isnan(values)]
    return float(finite.mean()) if finite.size else math.nan
