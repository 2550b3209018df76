"""Results of segmenting one image with one model, cached so that revisiting costs nothing.

A key names everything the answer depends on: the image (path + modification time, or an id for
pasted pixels), the model file, the head, the device, the precision and how the coarse scores
were upsampled (0: the learned deconvolution; f: shift-and-stitch by f). The values are the
engine's `Prediction`s with scores and every intermediate map of the one forward pass.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from ..engine import Prediction


@dataclass(frozen=True)
class ResultKey:
    image: str
    model: str
    head: str
    device: str
    precision: str
    stitch: int = 0


class ResultCache:
    """A thread-safe LRU of predictions; `hits` and `misses` let tests and the status bar see it."""

    def __init__(self, capacity: int = 48):
        self.capacity = capacity
        self._items: OrderedDict[ResultKey, Prediction] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: ResultKey) -> Prediction | None:
        with self._lock:
            pred = self._items.get(key)
            if pred is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(key)
            return pred

    def peek(self, key: ResultKey) -> Prediction | None:
        """Look without counting (for drawing what is already known)."""
        with self._lock:
            return self._items.get(key)

    def put(self, key: ResultKey, pred: Prediction) -> None:
        with self._lock:
            self._items[key] = pred
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def drop_model(self, model: str) -> int:
        """Forget every result of the model file `model` (it was rewritten); returns how many."""
        with self._lock:
            stale = [k for k in self._items if k.model == model]
            for k in stale:
                del self._items[k]
            return len(stale)

    def __len__(self) -> int:
        return len(self._items)
