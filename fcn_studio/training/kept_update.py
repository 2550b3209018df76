"""Which update a training round keeps: the last, unless a dense held-out score says otherwise.

Keeping the best-scoring checkpoint is right only when the score can tell checkpoints apart. On a
sparse test mask it cannot (scribbles cover the easy interiors: a round "scored" 1.0 at updates 100,
200 and 300 and silently kept update 100), and on a few dense images two checkpoints often differ by
less than the images disagree among themselves. So a round keeps its last update — the one it
trained longest — unless an earlier one beats it on fully painted test images by more than the
noise of that comparison.

The noise is the standard error of the paired difference: each image scores both checkpoints, the
per-image differences d_i (earlier − last) have mean d̄ and standard error s/√n; the earlier one is
kept only if d̄ > `z` standard errors (z = 2, about 95 % one-sided confidence; picking the best of
several candidates makes it a little optimistic, which the bar's height absorbs). One image has no
spread to measure, so it never overrules the last update.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..data.dataset import SegmentationDataset
from ..engine.fcn import FCN
from ..engine.metrics import ConfusionMatrix
from ..engine.model_info import normalize

NOISE_Z = 2.0


@dataclass(frozen=True)
class UpdateScore:
    """One checkpoint's held-out scores, one per test image (in the same image order for every update)."""

    update: int
    per_image: tuple[float, ...]
    dense: bool = True  # every scored image fully painted

    @property
    def mean(self) -> float:
        return sum(self.per_image) / len(self.per_image)


@dataclass(frozen=True)
class KeptUpdate:
    update: int
    reason: str


def kept_update(scores: Sequence[UpdateScore], last: int, z: float = NOISE_Z) -> KeptUpdate:
    """The update a round keeps among `scores` (its evaluations) given its `last` update, and why."""
    dense = [s for s in scores if s.dense and s.per_image]
    if not dense:
        return KeptUpdate(last, f"kept the last update ({last}): no fully painted test image scored the updates, "
                          "and scores on scribbles cannot rank them")
    final = next((s for s in dense if s.update == last), None)
    if final is None:
        return KeptUpdate(last, f"kept the last update ({last}): it was not scored on the fully painted test images")
    n = len(final.per_image)
    if n < 2:
        return KeptUpdate(last, f"kept the last update ({last}): one fully painted test image cannot measure "
                          "the noise of a comparison (paint a second one)")
    best, margin, noise = None, 0.0, 0.0
    for other in dense:
        if other.update == last or len(other.per_image) != n:
            continue
        diffs = [a - b for a, b in zip(other.per_image, final.per_image)]
        mean = sum(diffs) / n
        error = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1) / n)
        if mean > z * error and (best is None or other.mean > best.mean):
            best, margin, noise = other, mean, error
    if best is None:
        rival = max((s for s in dense if s.update != last), key=lambda s: s.mean, default=None)
        beside = (f"; the best other, update {rival.update}, scored {rival.mean:.3f} against {final.mean:.3f}, "
                  "within the noise" if rival is not None and rival.mean > final.mean else "")
        return KeptUpdate(last, f"kept the last update ({last}): no earlier update beats it on {n} fully painted "
                          f"test images by more than the noise{beside}")
    return KeptUpdate(best.update, f"kept update {best.update}, not the last ({last}): it scores {best.mean:.3f} "
                      f"against {final.mean:.3f} on {n} fully painted test images, {margin:.3f} better, more than "
                      f"{z:g}× the noise (±{noise:.3f})")


def image_scores(model: FCN, dataset: SegmentationDataset, device: torch.device | str = "cpu") -> tuple[float, ...]:
    """Mean IU of `model` on each image of `dataset` alone (classes present in the image or the
    prediction), the per-image scores `kept_update` compares."""
    out = []
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for index in range(len(dataset)):
                image, label = dataset[index]
                pred = model(normalize(image[None].to(device), model.info.input)).argmax(1)
                matrix = ConfusionMatrix(model.num_classes)
                matrix.update(pred, label[None].to(device))
                out.append(float(matrix.compute()["mean_iu"]))
    finally:
        model.train(was_training)
    return tuple(out)
