"""Trunk blobs computed once per image, for heads that learn on a frozen trunk (FCN-*-fixed).

With the trunk frozen and its dropout off, the last blob and the skip blobs of an image never
change, so the score layers can learn from them for ever after one trunk pass — the trunk is ~99 %
of an FCN's work. An entry is keyed by the caller's key *and* a digest of the pixels, so a key whose
image changed is recomputed while repainting a mask (same pixels) is not; every entry is dropped as
soon as any trunk parameter changed (its storage or its in-place version counter), so blobs of an
earlier trunk are never served.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Hashable

import torch

from ..engine.fcn import FCN
from ..engine.model_info import normalize
from .sparse_head import head_parameters

log = logging.getLogger(__name__)

Blobs = dict[str, torch.Tensor]


def trunk_parameters(model: FCN) -> list[torch.Tensor]:
    """Every tensor of the model but the head's (score layers and upsamplings): what the blobs depend on."""
    head = {name.split(".")[0] for name in head_parameters(model)} | {model.final_upsampling}
    return [p for name, p in model.named_parameters() if name.split(".")[0] not in head]


def trunk_fingerprint(model: FCN) -> tuple:
    """Changes whenever a trunk tensor is replaced or written in place (an optimizer step, a
    `load_state_dict`): storage address and torch's version counter, read without touching the data
    (hashing VGG16's 134 M values would cost as much as a forward pass)."""
    return (id(model),) + tuple((p.data_ptr(), p._version) for p in trunk_parameters(model))


def image_digest(image: torch.Tensor) -> str:
    data = image.detach().cpu().contiguous()
    return hashlib.blake2b(data.numpy().tobytes() + repr(tuple(data.shape)).encode(), digest_size=16).hexdigest()


class BlobCache:
    """The last blob and the skip blobs of `model`'s trunk (dropout off) per image.

    `max_bytes` bounds the memory: once full, further images are computed but not kept (first come,
    first kept: an epoch's sequential pass would evict every entry of a least-recently-used cache
    before its reuse). `trunk_passes` counts the trunk forwards this cache ran.
    """

    def __init__(self, model: FCN, max_bytes: int | None = None):
        self.model = model
        self.max_bytes = max_bytes
        self.trunk_passes = 0
        self._entries: dict[Hashable, tuple[str, Blobs]] = {}
        self._fingerprint = trunk_fingerprint(model)
        self._bytes = 0
        self._full_logged = False

    def __len__(self) -> int:
        self._check_model()
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        self._check_model()
        return key in self._entries

    @property
    def bytes(self) -> int:
        return self._bytes

    def blobs(self, key: Hashable, image: torch.Tensor) -> Blobs:
        """Blobs (1×C×h×w each) of `image` (3×H×W, uint8 RGB as datasets give it), cached under `key`."""
        self._check_model()
        digest = image_digest(image)
        found = self._entries.get(key)
        if found is not None and found[0] == digest:
            return found[1]
        if found is not None:
            self.drop(key)
        blobs = self.compute(image)
        size = sum(b.numel() * b.element_size() for b in blobs.values())
        if self.max_bytes is None or self._bytes + size <= self.max_bytes:
            self._entries[key] = (digest, blobs)
            self._bytes += size
        elif not self._full_logged:
            log.info("trunk blob cache full (%d images, %.0f MB): further images run the trunk at each use",
                     len(self._entries), self._bytes / 2**20)
            self._full_logged = True
        return blobs

    def get(self, key: Hashable) -> Blobs:
        """The cached blobs of `key` (KeyError if absent or dropped since)."""
        self._check_model()
        return self._entries[key][1]

    def drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= sum(b.numel() * b.element_size() for b in entry[1].values())

    def compute(self, image: torch.Tensor) -> Blobs:
        """One trunk pass in eval mode (no dropout: the blobs must be what every later use would get)."""
        model = self.model
        device = next(model.parameters()).device
        x = normalize(image[None].to(device), model.info.input)
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                blobs = model.features(x, keep=model.skips)
        finally:
            model.train(was_training)
        self.trunk_passes += 1
        return {name: blobs[name] for name in (model.last_blob, *model.skips)}

    def _check_model(self) -> None:
        fingerprint = trunk_fingerprint(self.model)
        if fingerprint != self._fingerprint:
            if self._entries:
                log.info("the trunk changed: %d cached images dropped", len(self._entries))
            self._entries.clear()
            self._bytes = 0
            self._fingerprint = fingerprint
