"""Undo and redo as a stack of diffs: bounding boxes and the pixels in them before and after.

A diff never holds a whole copy of the mask unless the change covered it; its slices are
zlib-compressed (label maps are long runs, so an "accept the whole prediction" on a 4000×3000
image shrinks from 2 × 12 MB to a few hundred KB). The stack keeps at most `max_steps` diffs and
drops the oldest once their compressed size passes `max_bytes`, so memory stays bounded whatever
the user does; with brush strokes the byte budget holds thousands of steps.
"""

from __future__ import annotations

import zlib
from collections import deque
from dataclasses import dataclass

import numpy as np

from ...boxes import Box

DEFAULT_MAX_STEPS = 200
DEFAULT_MAX_BYTES = 64 * 2**20


def _pack(pixels: np.ndarray) -> bytes:
    return zlib.compress(np.ascontiguousarray(pixels, np.uint8).tobytes(), 1)


@dataclass(frozen=True)
class Piece:
    """Pixels of one box before (`old`) and after (`new`) a change, compressed."""

    box: Box
    old: bytes
    new: bytes

    @classmethod
    def of(cls, box: Box, old: np.ndarray, new: np.ndarray) -> "Piece":
        return cls(box, _pack(old), _pack(new))

    def pixels(self, which: str) -> np.ndarray:
        data = zlib.decompress(self.old if which == "old" else self.new)
        return np.frombuffer(data, np.uint8).reshape(self.box.shape)


@dataclass(frozen=True)
class Diff:
    """One undoable step: pieces applied in order. A brush stroke keeps one piece per segment
    (each `old` taken just before its segment), so committing a drag across a whole photo costs
    what its segments cost, not a copy of the photo; undo restores the olds in reverse order."""

    pieces: tuple[Piece, ...]

    @property
    def box(self) -> Box:
        union = self.pieces[0].box
        for piece in self.pieces[1:]:
            union = union.union(piece.box)
        return union

    @property
    def nbytes(self) -> int:
        return sum(len(p.old) + len(p.new) for p in self.pieces)

    def undo(self, labels: np.ndarray) -> Box:
        for piece in reversed(self.pieces):
            labels[piece.box.slices] = piece.pixels("old")
        return self.box

    def redo(self, labels: np.ndarray) -> Box:
        for piece in self.pieces:
            labels[piece.box.slices] = piece.pixels("new")
        return self.box

    def remapped(self, lut: np.ndarray) -> "Diff":
        """The same step with every label passed through `lut` (after a class was deleted)."""
        return Diff(tuple(Piece.of(p.box, lut[p.pixels("old")], lut[p.pixels("new")]) for p in self.pieces))


class History:
    """Done steps (undoable) and undone steps (redoable); a new step clears the redo side."""

    def __init__(self, max_steps: int = DEFAULT_MAX_STEPS, max_bytes: int = DEFAULT_MAX_BYTES):
        if max_steps < 1 or max_bytes < 1:
            raise ValueError("the undo history needs room for at least one step")
        self.max_steps = max_steps
        self.max_bytes = max_bytes
        self._done: deque[Diff] = deque()
        self._undone: list[Diff] = []

    @property
    def nbytes(self) -> int:
        return sum(d.nbytes for d in self._done) + sum(d.nbytes for d in self._undone)

    def __len__(self) -> int:
        return len(self._done)

    def push(self, diff: Diff) -> None:
        self._done.append(diff)
        self._undone.clear()
        while len(self._done) > self.max_steps or (len(self._done) > 1 and self.nbytes > self.max_bytes):
            self._done.popleft()

    def undo(self, labels: np.ndarray) -> Box | None:
        """Put the last step's old pixels back into `labels`; its box, or None with nothing to undo."""
        if not self._done:
            return None
        diff = self._done.pop()
        self._undone.append(diff)
        return diff.undo(labels)

    def redo(self, labels: np.ndarray) -> Box | None:
        if not self._undone:
            return None
        diff = self._undone.pop()
        self._done.append(diff)
        return diff.redo(labels)

    def remap(self, lut: np.ndarray) -> None:
        self._done = deque(d.remapped(lut) for d in self._done)
        self._undone = [d.remapped(lut) for d in self._undone]
