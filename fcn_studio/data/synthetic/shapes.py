"""Shapes of the synthetic scenes as signed distance functions (negative inside, in pixels).

A distance rather than a mask gives anti-aliased edges for free (coverage = 0.5 − distance) and lets
one rule decide the label (distance < 0), so a 1-px wire is drawn and labelled consistently at any
angle. Every function works on whole arrays of local coordinates (u, v): no per-pixel Python.

Each sampler takes the generator, the object's nominal diameter and the image size and returns a
`ShapeSpec`: the distance function in the object's own frame and a radius that bounds it, so the
renderer only evaluates the object's bounding box.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Field = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ShapeSpec:
    """A shape in its own frame: `sdf(u, v)` and a radius outside which it is certainly empty."""

    sdf: Field
    radius: float


def disc_sdf(u: np.ndarray, v: np.ndarray, r: float) -> np.ndarray:
    return np.hypot(u, v) - r


def box_sdf(u: np.ndarray, v: np.ndarray, hu: float, hv: float) -> np.ndarray:
    """Exact distance to an axis-aligned box of half sizes hu × hv."""
    qu, qv = np.abs(u) - hu, np.abs(v) - hv
    return np.hypot(np.maximum(qu, 0), np.maximum(qv, 0)) + np.minimum(np.maximum(qu, qv), 0)


def ellipse_sdf(u: np.ndarray, v: np.ndarray, a: float, b: float) -> np.ndarray:
    """Close approximation of the distance to an ellipse (exact on the boundary's sign)."""
    k0 = np.hypot(u / a, v / b)
    k1 = np.hypot(u / (a * a), v / (b * b))
    centre = k1 < 1e-6
    return np.where(centre, -min(a, b), k0 * (k0 - 1.0) / np.where(centre, 1.0, k1))


def polygon_sdf(u: np.ndarray, v: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Exact distance to a simple polygon (vertices k×2, any winding), one array pass per edge."""
    d2 = np.full(u.shape, np.inf, dtype=u.dtype)
    sign = np.ones(u.shape, dtype=u.dtype)
    for i in range(len(vertices)):
        (xi, yi), (xj, yj) = vertices[i], vertices[i - 1]
        ex, ey = xj - xi, yj - yi
        wx, wy = u - xi, v - yi
        h = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
        d2 = np.minimum(d2, (wx - ex * h) ** 2 + (wy - ey * h) ** 2)
        c1, c2, c3 = v >= yi, v < yj, ex * wy > ey * wx
        sign[(c1 & c2 & c3) | (~c1 & ~c2 & ~c3)] *= -1
    return sign * np.sqrt(d2)


def polyline_sdf(u: np.ndarray, v: np.ndarray, points: np.ndarray, half_width: float) -> np.ndarray:
    """Distance to a stroke of the given half width along a polyline (points k×2)."""
    d2 = np.full(u.shape, np.inf, dtype=u.dtype)
    for (ax, ay), (bx, by) in zip(points[:-1], points[1:]):
        ex, ey = bx - ax, by - ay
        wx, wy = u - ax, v - ay
        h = np.clip((wx * ex + wy * ey) / max(ex * ex + ey * ey, 1e-9), 0.0, 1.0)
        d2 = np.minimum(d2, (wx - ex * h) ** 2 + (wy - ey * h) ** 2)
    return np.sqrt(d2) - half_width


def regular_polygon(n: int, radius: float, rng: np.random.Generator, jitter: float = 0.0) -> np.ndarray:
    angles = np.arange(n) * (2 * np.pi / n) + rng.uniform(-jitter, jitter, n)
    radii = radius * (1 + rng.uniform(-jitter, jitter, n))
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def thin_width(rng: np.random.Generator, radius: float) -> float:
    """Stroke width of rings and frames: 1.2–3.5 px, never more than ~40 % of the shape."""
    return float(min(rng.uniform(1.2, 3.5), max(radius * 0.4, 1.0)))


def disc(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    r = size / 2
    return ShapeSpec(lambda u, v: disc_sdf(u, v, r), r)


def ring(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    r = max(size / 2, 3.0)
    t = thin_width(rng, r)
    return ShapeSpec(lambda u, v: np.abs(np.hypot(u, v) - (r - t / 2)) - t / 2, r)


def square(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    h = size * 0.42
    return ShapeSpec(lambda u, v: box_sdf(u, v, h, h), h * 1.42)


def frame(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    h = max(size * 0.45, 3.0)
    t = thin_width(rng, h)
    return ShapeSpec(lambda u, v: np.abs(box_sdf(u, v, h - t / 2, h - t / 2)) - t / 2, h * 1.42)


def triangle(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    verts = regular_polygon(3, size * 0.55, rng, jitter=0.12)
    return ShapeSpec(lambda u, v: polygon_sdf(u, v, verts), size * 0.55 * 1.15)


def hexagon(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    verts = regular_polygon(6, size * 0.5, rng)
    return ShapeSpec(lambda u, v: polygon_sdf(u, v, verts), size * 0.5)


def star(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    r = max(size * 0.55, 4.0)
    inner = rng.uniform(0.36, 0.5)
    angles = np.arange(10) * (np.pi / 5)
    radii = np.where(np.arange(10) % 2 == 0, r, r * inner)
    verts = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    return ShapeSpec(lambda u, v: polygon_sdf(u, v, verts), r)


def cross(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    h = max(size * 0.48, 3.0)
    w = max(h * rng.uniform(0.16, 0.3), 0.9)
    return ShapeSpec(lambda u, v: np.minimum(box_sdf(u, v, h, w), box_sdf(u, v, w, h)), h * 1.05)


def bar(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    h = max(size * 0.6, 6.0)
    w = float(np.clip(h * rng.uniform(0.12, 0.22), 2.0, 7.0))
    return ShapeSpec(lambda u, v: box_sdf(u, v, h, w), float(np.hypot(h, w)))


def wire(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    """A thin smooth curve (cubic Bézier) 1–2.6 px wide, a quarter to most of the image long."""
    length = image * rng.uniform(0.25, 0.85)
    ctrl = np.array([[-length / 2, 0.0], [-length / 6, 0.0], [length / 6, 0.0], [length / 2, 0.0]])
    ctrl[1:3, 1] = rng.uniform(-0.45, 0.45, 2) * length
    t = np.linspace(0.0, 1.0, 24)[:, None]
    basis = np.concatenate([(1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t ** 2, t ** 3], axis=1)
    points = basis @ ctrl
    half = rng.uniform(1.0, 2.6) / 2
    return ShapeSpec(lambda u, v: polyline_sdf(u, v, points, half), float(np.abs(points).max() * 1.42 + half))


def ellipse(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    a = size / 2
    b = a * rng.uniform(0.35, 0.65)
    return ShapeSpec(lambda u, v: ellipse_sdf(u, v, a, b), a)


def crescent(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    """A disc with an offset disc bitten out of it: a thin, curved, pointed shape."""
    r = max(size / 2, 3.5)
    offset, r2 = r * rng.uniform(0.3, 0.55), r * rng.uniform(0.75, 0.95)
    return ShapeSpec(lambda u, v: np.maximum(disc_sdf(u, v, r), -disc_sdf(u - offset, v, r2)), r)


def blob(rng: np.random.Generator, size: float, image: int) -> ShapeSpec:
    """An irregular lobed outline; only ever background clutter, never a class."""
    r = size / 2
    amps = rng.uniform(0.0, 0.16, 3)
    phases = rng.uniform(0, 2 * np.pi, 3)

    def sdf(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        theta = np.arctan2(v, u)
        edge = r * (1 + sum(a * np.cos(k * theta + p) for k, a, p in zip((2, 3, 5), amps, phases)))
        return (np.hypot(u, v) - edge) * 0.8

    return ShapeSpec(sdf, r * 1.5)


SHAPES: dict[str, Callable[[np.random.Generator, float, int], ShapeSpec]] = {
    "disc": disc, "ring": ring, "square": square, "frame": frame, "triangle": triangle, "hexagon": hexagon,
    "star": star, "cross": cross, "bar": bar, "wire": wire, "ellipse": ellipse, "crescent": crescent, "blob": blob,
}
