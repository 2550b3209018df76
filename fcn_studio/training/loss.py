"""The per-pixel multinomial logistic loss, with the paper's loss sampling and optional balancing."""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F

from ..errors import DatasetError
from ..data.dataset import SegmentationDataset
from ..palette import VOID_LABEL

log = logging.getLogger(__name__)

SAMPLING_CELL = 32


def pixel_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    normalize: bool = True,
    weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Cross-entropy over the non-void pixels of a N×C×H×W batch.

    normalize=True: the mean over those pixels (weighted mean with `weights`), what the paper's
    lr 1e-4 assumes. False: the sum over pixels divided by N, Caffe's `normalize: false` that the
    reference's lr 1e-10 was tuned for.
    """
    if normalize:
        valid = (target != VOID_LABEL).sum()
        if valid == 0:
            return logits.sum() * 0.0
        return F.cross_entropy(logits.float(), target, weight=weights, ignore_index=VOID_LABEL)
    summed = F.cross_entropy(logits.float(), target, weight=weights, ignore_index=VOID_LABEL, reduction="sum")
    return summed / logits.shape[0]


def sample_cells(target: torch.Tensor, keep: float, generator: torch.Generator, cell: int = SAMPLING_CELL) -> torch.Tensor:
    """`target` with each cell×cell block set to void with probability 1 − keep (CVPR §3.4).

    A 32-pixel cell is what one score_fr unit covers at the output, so dropping cells is the
    paper's way to make whole-image training sample patches.
    """
    if keep >= 1.0:
        return target
    n, h, w = target.shape
    grid = torch.rand(n, -(-h // cell), -(-w // cell), generator=generator) < keep
    mask = grid.repeat_interleave(cell, 1).repeat_interleave(cell, 2)[:, :h, :w].to(target.device)
    return torch.where(mask, target, torch.full_like(target, VOID_LABEL))


def class_weights(dataset: SegmentationDataset, num_classes: int) -> torch.Tensor:
    """Median-frequency balancing weights (median freq / class freq) counted over `dataset`.

    Classes that never occur get weight 0: there is nothing to balance.
    """
    counts = torch.zeros(num_classes, dtype=torch.float64)
    for index in range(len(dataset)):
        _, label = dataset[index]
        valid = label[label != VOID_LABEL]
        counts += torch.bincount(valid.reshape(-1), minlength=num_classes)[:num_classes].double()
    present = counts > 0
    if not present.any():
        raise DatasetError(getattr(dataset, "root", None), "no labelled pixels in the training set: cannot balance classes")
    freq = counts / counts.sum()
    weights = torch.zeros(num_classes, dtype=torch.float64)
    weights[present] = freq[present].quantile(0.5) / freq[present]  # the true median, not torch.median's lower one
    log.info("class-balanced loss weights: %s", ", ".join(f"{w:.2f}" for w in weights.tolist()))
    return weights.float()
