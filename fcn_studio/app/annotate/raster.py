"""Rasterising what a user draws: round-brush capsules and polygons, on a bounding box only.

Coordinates are image coordinates as a view reports them: x to the right, y down, pixel (row i,
column j) covering [j, j+1) × [i, i+1), so its centre is (j + ½, i + ½) — pyqtgraph's ImageItem
convention. A pixel is covered when its centre is. Every function here works on the few rows and
columns a shape can touch, never on the whole image, so a brush on a 4000×3000 photo costs what
it costs on a thumbnail.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ...boxes import Box

# Every point of a segment lies within √½ of the centre of the pixel under it, so a brush at least
# this wide paints every pixel the pointer crosses: a thin, fast drag leaves no gaps.
MIN_RADIUS = math.sqrt(0.5) + 1e-9

Point = tuple[float, float]


EMPTY = Box(0, 0, 0, 0)


def full_box(shape: tuple[int, int]) -> Box:
    return Box(0, 0, shape[0], shape[1])


def tight_box(mask: np.ndarray, within: Box) -> Box:
    """The smallest box holding the True pixels of `mask` (a `within`-sized array), in image rows/columns."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return EMPTY
    cols = np.flatnonzero(mask.any(axis=0))
    return Box(within.top + int(rows[0]), within.left + int(cols[0]),
               within.top + int(rows[-1]) + 1, within.left + int(cols[-1]) + 1)


def capsule(p0: Point, p1: Point, radius: float, shape: tuple[int, int]) -> tuple[Box, np.ndarray]:
    """Pixels within `radius` of the segment p0–p1 (a round stamp when p0 == p1): box and mask in it."""
    r = max(float(radius), MIN_RADIUS)
    (x0, y0), (x1, y1) = (map(float, p0)), (map(float, p1))
    box = Box(math.ceil(min(y0, y1) - r - 0.5), math.ceil(min(x0, x1) - r - 0.5),
              math.floor(max(y0, y1) + r - 0.5) + 1, math.floor(max(x0, x1) + r - 0.5) + 1).clipped(shape)
    if box.empty:
        return EMPTY, np.zeros((0, 0), bool)
    py = np.arange(box.top, box.bottom, dtype=np.float32)[:, None] + 0.5 - y0
    px = np.arange(box.left, box.right, dtype=np.float32)[None, :] + 0.5 - x0
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return box, px * px + py * py <= r * r
    t = np.clip((px * dx + py * dy) / length2, 0.0, 1.0)
    ex, ey = px - t * dx, py - t * dy
    return box, ex * ex + ey * ey <= r * r


def polygon(points: Sequence[Point], shape: tuple[int, int]) -> tuple[Box, np.ndarray]:
    """Pixels whose centres lie inside the closed polygon (even–odd rule), by scanlines.

    Each edge contributes one crossing to every pixel row whose centre line it spans (half-open
    in y, so a vertex is counted once); sorted crossings pair up into runs of covered columns.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) < 3:
        return EMPTY, np.zeros((0, 0), bool)
    box = Box(math.floor(pts[:, 1].min()), math.floor(pts[:, 0].min()),
              math.ceil(pts[:, 1].max()) + 1, math.ceil(pts[:, 0].max()) + 1).clipped(shape)
    if box.empty:
        return EMPTY, np.zeros((0, 0), bool)
    a, b = pts, np.roll(pts, -1, axis=0)
    rows, xs = [], []
    for (xa, ya), (xb, yb) in zip(a, b):
        if ya == yb:
            continue
        lo, hi = min(ya, yb), max(ya, yb)
        first, last = math.ceil(lo - 0.5), math.ceil(hi - 0.5)  # rows i with lo ≤ i + ½ < hi
        if last <= first:
            continue
        centres = np.arange(first, last, dtype=np.float64) + 0.5
        rows.append(np.arange(first, last))
        xs.append(xa + (centres - ya) * (xb - xa) / (yb - ya))
    mask = np.zeros(box.shape, bool)
    if not rows:
        return box, mask
    row, x = np.concatenate(rows), np.concatenate(xs)
    order = np.lexsort((x, row))
    row, x = row[order].reshape(-1, 2), x[order].reshape(-1, 2)
    starts = np.clip(np.ceil(x[:, 0] - 0.5).astype(np.int64), box.left, box.right) - box.left
    ends = np.clip(np.ceil(x[:, 1] - 0.5).astype(np.int64), box.left, box.right) - box.left
    inside = (row[:, 0] >= box.top) & (row[:, 0] < box.bottom) & (ends > starts)
    counts = np.zeros((box.shape[0], box.shape[1] + 1), np.int32)
    np.add.at(counts, (row[inside, 0] - box.top, starts[inside]), 1)
    np.add.at(counts, (row[inside, 0] - box.top, ends[inside]), -1)
    return box, np.cumsum(counts, axis=1)[:, :-1] > 0
