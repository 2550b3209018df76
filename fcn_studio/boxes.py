"""A box of array rows and columns, the one shape shared by the brush (what changed, what to redraw) and
the receptive-field probe (which input pixels a prediction sees). A bottom-layer module: the engine and
the annotation code both stand on it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """Rows top..bottom−1 and columns left..right−1 of an image: what a brush changed and what to redraw,
    or the input pixels a receptive field covers."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def empty(self) -> bool:
        return self.bottom <= self.top or self.right <= self.left

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.top, self.bottom), slice(self.left, self.right)

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def shape(self) -> tuple[int, int]:
        return max(0, self.bottom - self.top), max(0, self.right - self.left)

    def union(self, other: "Box") -> "Box":
        if self.empty:
            return other
        if other.empty:
            return self
        return Box(min(self.top, other.top), min(self.left, other.left),
                   max(self.bottom, other.bottom), max(self.right, other.right))

    def clipped(self, shape: tuple[int, int]) -> "Box":
        return Box(max(0, self.top), max(0, self.left), min(shape[0], self.bottom), min(shape[1], self.right))
