"""Live refitting of the score layers after every stroke: the paper's FCN-*-fixed, interactively.

With the trunk frozen only the head learns (CVPR Table 2's FCN-32s-fixed; here also the skips'
score layers and the inner 2× upsamplings). Each painted image runs the trunk once (`BlobCache`);
its labelled pixels are planned once per mask (`sparse_head.plan_pixels`: the cells and taps of
every map they read) and their blob vectors gathered, so an update over all painted images is a
few small matrix products, never a full-resolution pass. The fit is warm-started: weights and
optimizer state carry over from call to call, so each stroke costs a few steps.

The annotation session calls it (Qt-free; the GUI stays out of this layer):
`add_image(key, rgb)`, `set_labels(key, mask)` after each stroke, `fit(steps)`, then
`predict(key)` for the visible image, and `head_state()` to write the refit head into a model copy.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Hashable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from ..engine.fcn import FCN
from ..palette import VOID_LABEL
from .blob_cache import BlobCache
from .sparse_head import (PixelPlan, check_final_upsampling, concat_plans, gather_features, head_parameters,
                          plan_pixels, sparse_logits)

log = logging.getLogger(__name__)

DEFAULT_LR = 1e-3


@dataclass
class LivePrediction:
    """H×W labels and H×W margin: best minus second-best class probability (0 = undecided, 1 = sure),
    the uncertainty layer's value and the "most uncertain image" ranking's."""

    labels: np.ndarray
    margin: np.ndarray

    @property
    def mean_margin(self) -> float:
        return float(self.margin.mean())


@dataclass
class _Painted:
    plan: PixelPlan
    features: list[torch.Tensor]
    targets: torch.Tensor


def labelled_pixels(mask: np.ndarray, num_classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ys, xs, classes) of the labelled pixels of an annotation mask: 255 (`VOID_LABEL`, the
    annotations' unlabelled) and negative values carry no label; any other value outside the classes
    is an error, not something to learn from."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"a mask must be H×W, got shape {mask.shape}")
    values = mask.astype(np.int64)
    labelled = (values >= 0) & (values != VOID_LABEL)
    bad = labelled & (values >= num_classes)
    if bad.any():
        raise ValueError(f"mask holds class {int(values[bad][0])}, but the model has {num_classes} classes")
    ys, xs = np.nonzero(labelled)
    return ys, xs, values[ys, xs]


@contextlib.contextmanager
def thread_count(count: int | None) -> Iterator[None]:
    """Run the block with `count` intra-op threads on the calling thread only (OpenMP's thread count
    is per thread; None: unchanged). The live head's products are a few hundred kilobytes: an OpenMP
    team costs more than it saves, and on a busy two-core machine its barriers made a refit 30×
    slower than one thread (benchmarks/live_head.py)."""
    if count is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class LiveHead:
    """The score layers of `model` refit on the labelled pixels of every painted image.

    `model` is not modified: the head's tensors are copied (`head_state` gives them back). Adam
    (`lr`) suits a warm start from a trained head: its steps are sized per weight, so a few of
    them move the decision where the user painted without the lr search SGD would need.
    """

    def __init__(self, model: FCN, lr: float = DEFAULT_LR, cache: BlobCache | None = None, threads: int | None = 1):
        check_final_upsampling(model)
        self.threads = threads
        self.model = model
        self.cache = cache or BlobCache(model)
        self.params = {k: v.detach().clone().requires_grad_(True) for k, v in head_parameters(model).items()}
        self.optimizer = torch.optim.Adam(self.params.values(), lr=lr)
        self.updates = 0
        self._images: dict[Hashable, torch.Tensor] = {}
        self._painted: dict[Hashable, _Painted] = {}
        self._batch: tuple[PixelPlan, list[torch.Tensor], torch.Tensor] | None = None

    @property
    def painted(self) -> list[Hashable]:
        return list(self._painted)

    def add_image(self, key: Hashable, rgb: np.ndarray) -> None:
        """Take an H×W×3 uint8 image; its trunk blobs are computed now (once per pixels: a key
        added again with the same image costs nothing)."""
        rgb = np.asarray(rgb)
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"an image must be H×W×3 uint8, got {rgb.shape} {rgb.dtype}")
        image = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)
        changed = key in self._images and not torch.equal(self._images[key], image)
        self._images[key] = image
        self.cache.blobs(key, image)
        if changed:
            self._painted.pop(key, None)
            self._batch = None

    def remove_image(self, key: Hashable) -> None:
        self._images.pop(key, None)
        self._painted.pop(key, None)
        self.cache.drop(key)
        self._batch = None

    def set_labels(self, key: Hashable, mask: np.ndarray) -> int:
        """The image's annotation (H×W; see `labelled_pixels`); returns its labelled pixel count.
        Only this image's pixels are planned again, from blobs already cached."""
        image = self._image(key)
        if tuple(np.shape(mask)) != tuple(image.shape[1:]):
            raise ValueError(f"mask {np.shape(mask)} does not match image {tuple(image.shape[1:])} of {key!r}")
        ys, xs, classes = labelled_pixels(mask, self.model.num_classes)
        self._batch = None
        if len(ys) == 0:
            self._painted.pop(key, None)
            return 0
        blobs = self._blobs(key)
        with thread_count(self.threads):
            plan = plan_pixels(self.model, _shapes(blobs), torch.from_numpy(ys), torch.from_numpy(xs))
            features = gather_features(self.model, blobs, plan)
        device = self.params["score_fr.weight"].device
        self._painted[key] = _Painted(plan, features, torch.from_numpy(classes).to(device))
        return len(ys)

    def logits_at_labels(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (P × C) of every labelled pixel of every painted image under the current head, and
        their classes: what `fit` minimises the cross-entropy of."""
        plan, features, targets = self._labelled()
        return sparse_logits(self.model, plan, features, self.params), targets

    def fit(self, steps: int = 5) -> float:
        """`steps` Adam updates on the mean cross-entropy of all labelled pixels; returns the loss
        before the last update (nan when nothing is painted)."""
        if not self._painted:
            return float("nan")
        plan, features, targets = self._labelled()
        loss = torch.tensor(float("nan"))
        with torch.enable_grad(), thread_count(self.threads):
            for _ in range(steps):
                self.optimizer.zero_grad(set_to_none=True)
                logits = sparse_logits(self.model, plan, features, self.params)
                # 1 × C × P: softmax along the contiguous pixel axis, 4× faster than P × C rows of few classes
                loss = F.cross_entropy(logits.t()[None], targets[None])
                loss.backward()
                self.optimizer.step()
                self.updates += 1
        return float(loss.detach())

    def predict(self, key: Hashable) -> LivePrediction:
        """Labels and margin of every pixel of image `key` under the current head: the model's own
        `FCN.head` on the cached blobs with the live tensors in place of its head's (dense, but
        coarse until the final upsampling; no trunk pass)."""
        image = self._image(key)
        blobs = self._blobs(key)
        h, w = image.shape[1:]
        with torch.no_grad(), thread_count(self.threads):
            logits = functional_call(_Head(self.model), {f"model.{k}": v for k, v in self.params.items()},
                                     (blobs, h, w), strict=False)[0]
            top = logits.softmax(0).topk(min(2, logits.shape[0]), dim=0)
        labels = top.indices[0].to(torch.uint8 if self.model.num_classes <= 256 else torch.int64)
        values = top.values
        margin = values[0] - values[1] if values.shape[0] > 1 else values[0]
        return LivePrediction(labels.cpu().numpy(), margin.cpu().numpy())

    def head_state(self) -> dict[str, torch.Tensor]:
        """The refit head by state_dict name, for `model.load_state_dict(..., strict=False)` on a copy."""
        return {k: v.detach().clone() for k, v in self.params.items()}

    def _image(self, key: Hashable) -> torch.Tensor:
        if key not in self._images:
            raise KeyError(f"image {key!r} was not added to the live head")
        return self._images[key]

    def _blobs(self, key: Hashable) -> dict[str, torch.Tensor]:
        """The cached blobs; recomputed if the cache dropped them (a changed trunk), in which case
        every painted image's gathered vectors are stale too and are gathered again."""
        if key in self.cache:
            return self.cache.get(key)
        blobs = self.cache.blobs(key, self._images[key])
        for other, painted in self._painted.items():
            fresh = blobs if other == key else self.cache.blobs(other, self._images[other])
            painted.features = gather_features(self.model, fresh, painted.plan)
        self._batch = None
        return blobs

    def _labelled(self) -> tuple[PixelPlan, list[torch.Tensor], torch.Tensor]:
        for key in list(self._painted):
            self._blobs(key)  # a changed trunk re-gathers every image
        if self._batch is None:
            painted = list(self._painted.values())
            plan, features = concat_plans([p.plan for p in painted], [p.features for p in painted])
            self._batch = (plan, features, torch.cat([p.targets for p in painted]))
        return self._batch


class _Head(nn.Module):
    """`FCN.head` as a module's forward, so `functional_call` can run it with the live tensors."""

    def __init__(self, model: FCN):
        super().__init__()
        self.model = model

    def forward(self, blobs: dict[str, torch.Tensor], height: int, width: int) -> torch.Tensor:
        return self.model.head(blobs, height, width)["logits"]


def _shapes(blobs: dict[str, torch.Tensor]) -> dict[str, tuple[int, int]]:
    return {name: (b.shape[2], b.shape[3]) for name, b in blobs.items()}
