"""Training on cached trunk blobs: the `fixed` recipe (FCN-*-fixed) runs the frozen trunk once per
image and orientation, and every later update only its head.

That gives the uncached forward's updates (the same head on the same blobs) only while the trunk's
output is a function of the image alone: no dropout in it, no jitter (each use shifts the image
anew), and one process (DistributedDataParallel's gradient sync runs inside its forward). Mirroring
is fine: both orientations are cached, keyed apart. Where any of this fails the run says why in
its log and trains as before.
"""

from __future__ import annotations

import logging

import torch
from torch import nn

from ..engine.fcn import FCN
from .blob_cache import BlobCache, trunk_parameters
from .recipes import Recipe

log = logging.getLogger(__name__)

CACHE_BYTES = 4 * 2**30  # past this, further images run the trunk at each use (BlobCache)


def caching_obstacle(model: FCN, recipe: Recipe, processes: int = 1) -> str | None:
    """Why the trunk's blobs cannot stand in for its forward in this run; None where they can."""
    if not recipe.cache_trunk:
        return "the recipe turns it off (cache_trunk = false)"
    if any(p.requires_grad for p in trunk_parameters(model)):
        return "the trunk learns (only the fixed recipe freezes it)"
    if recipe.dropout and any(isinstance(m, nn.Dropout) and m.p > 0 for m in model.modules()):
        return "dropout is on in the frozen trunk (dropout = false makes its blobs repeatable)"
    if recipe.jitter:
        return f"jitter ({recipe.jitter} px) shifts each image anew at every use"
    if processes > 1:
        return f"{processes} processes train together (their gradient sync runs in the full forward)"
    return None


class CachedTrunk:
    """The head's logits for a batch from blobs cached by (dataset index, mirrored)."""

    def __init__(self, model: FCN, max_bytes: int = CACHE_BYTES):
        self.model = model
        self.cache = BlobCache(model, max_bytes)

    @property
    def trunk_passes(self) -> int:
        return self.cache.trunk_passes

    def logits(self, images: torch.Tensor, keys: list[tuple[int, bool]]) -> torch.Tensor:
        """N×C×H×W logits of N×3×H×W uint8 images: `FCN.head` on their cached blobs."""
        blobs = [self.cache.blobs(key, image) for key, image in zip(keys, images)]
        batch = {name: torch.cat([b[name] for b in blobs]) for name in blobs[0]}
        return self.model.head(batch, images.shape[2], images.shape[3])["logits"]


def cached_trunk(model: FCN, recipe: Recipe, processes: int = 1) -> CachedTrunk | None:
    """A CachedTrunk where this fixed-trunk run allows one (logged either way); None otherwise."""
    if not recipe.fixed:
        return None
    obstacle = caching_obstacle(model, recipe, processes)
    if obstacle is not None:
        log.info("fixed recipe: the trunk runs at every update, its blobs are not cached: %s", obstacle)
        return None
    log.info("fixed recipe: the frozen trunk runs once per image and orientation, its blobs cached")
    return CachedTrunk(model)
