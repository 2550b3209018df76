"""Evaluation on a dataset split: the paper's four metrics, per-class IU, and boundary-band IU.

Every confusion matrix stays on the model's device: predictions and labels never travel to the
host per image. Besides the whole-image matrix, pixels within `band` px of a true boundary and
the rest (the interior) get matrices of their own — the trimap analysis of the FCN follow-ups —
because the skips of FCN-16s/8s pay off exactly there.

A score is only as good as the pixels it was measured on: a held-out image whose mask is a few
scribbles scores its easy interiors and says nothing about its boundaries. So every result says
what it covered (`labelled_fraction` of the scored images' pixels, `dense_images`: those labelled
everywhere) and `coverage` words it for the user.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch
import torch.nn.functional as F

from ..data.dataset import SegmentationDataset
from ..engine.fcn import FCN
from ..engine.metrics import ConfusionMatrix
from ..engine.model_info import normalize
from . import distributed
from .events import CancelToken, EvalProgress, EventHandler, ignore
from ..palette import VOID_LABEL
from .scores import DEFAULT_BAND


class Cancelled(Exception):
    """The caller's CancelToken was set while the loop ran."""


def boundary_band(labels: torch.Tensor, width: int) -> torch.Tensor:
    """N×H×W bool: pixels within `width` px (Chebyshev) of a place where the true label changes.

    A change to or from void counts as a boundary, so on VOC-style masks the band follows the
    void outline that the annotators drew around each object.
    """
    if labels.dim() != 3:
        raise ValueError(f"labels must be N×H×W, got shape {tuple(labels.shape)}")
    edge = torch.zeros_like(labels, dtype=torch.bool)
    vertical = labels[:, 1:, :] != labels[:, :-1, :]
    horizontal = labels[:, :, 1:] != labels[:, :, :-1]
    edge[:, 1:, :] |= vertical
    edge[:, :-1, :] |= vertical
    edge[:, :, 1:] |= horizontal
    edge[:, :, :-1] |= horizontal
    if width <= 0:
        return edge
    grown = F.max_pool2d(edge[:, None].float(), 2 * width + 1, stride=1, padding=width)
    return grown[:, 0] > 0


def evaluate(
    model: FCN,
    dataset: SegmentationDataset,
    device: torch.device | str = "cpu",
    band: int = DEFAULT_BAND,
    autocast: torch.dtype | None = None,
    on_event: EventHandler = ignore,
    cancel: CancelToken | None = None,
    dist: distributed.Context | None = None,
) -> dict[str, Any]:
    """Metrics of `model` on every image of `dataset` (one image per forward: sizes may differ).

    Under torchrun each rank scores its own share of the images and the matrices are summed, so
    the result equals a single-process evaluation exactly (integer counts).
    """
    device = torch.device(device)
    n = model.num_classes
    whole, edge, inner = ConfusionMatrix(n), ConfusionMatrix(n), ConfusionMatrix(n)
    scored = torch.zeros(2, dtype=torch.int64, device=device)  # pixels of the scored images, images labelled everywhere
    indices = distributed.shard(len(dataset), dist)
    was_training = model.training
    model.eval()
    cast = torch.autocast(device.type, dtype=autocast) if autocast else contextlib.nullcontext()
    try:
        with torch.inference_mode(), cast:
            for done, index in enumerate(indices, 1):
                if cancel is not None and cancel.cancelled:
                    raise Cancelled("evaluation cancelled")
                image, label = dataset[index]
                x = normalize(image[None].to(device), model.info.input)
                pred = model(x).argmax(1)
                target = label[None].to(device)
                near = boundary_band(target, band)
                void = torch.full_like(target, VOID_LABEL)
                whole.update(pred, target)
                scored[0] += target.numel()
                scored[1] += ((target >= 0) & (target < n)).all()
                edge.update(pred, torch.where(near, target, void))
                inner.update(pred, torch.where(near, void, target))
                on_event(EvalProgress(done, len(indices)))
    finally:
        model.train(was_training)
    for matrix in (whole, edge, inner):
        distributed.sum_matrix(matrix, device, dist)
    metrics = whole.compute()
    metrics["images"] = len(dataset)
    pixels, dense = (int(v) for v in distributed.sum_counts(scored, dist).tolist())
    metrics["pixels"] = pixels
    metrics["labelled_pixels"] = int(whole.matrix().sum())
    metrics["labelled_fraction"] = metrics["labelled_pixels"] / pixels if pixels else 0.0
    metrics["dense_images"] = dense
    metrics["class_names"] = list(dataset.class_names)
    metrics["band_px"] = band
    metrics["boundary"] = _summary(edge)
    metrics["interior"] = _summary(inner)
    return metrics


def _summary(matrix: ConfusionMatrix) -> dict[str, Any]:
    found = matrix.compute()
    found["pixels"] = int(matrix.matrix().sum())
    return found
