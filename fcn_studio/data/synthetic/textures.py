"""Surface textures and colour families of the synthetic scenes.

A texture is a field t(u, v) in 0..1 that mixes an object's two colours; it lives in the object's
own rotated frame so stripes turn with the object. Periods grow a little with the object but stay
≥ 2.5 px, so a tiny object's texture is barely visible — as in real photographs, small things must
be told apart by shape and colour.

Colour families are shared by several classes on purpose: colour narrows a pixel's class down but
never decides it.
"""

from __future__ import annotations

import colorsys
from typing import Callable

import numpy as np

Texture = Callable[[np.ndarray, np.ndarray], np.ndarray]

# Hue ranges (0..1, may wrap) of the colour families the class table refers to.
FAMILIES: dict[str, tuple[float, float]] = {
    "warm": (-0.05, 0.13),   # red, orange, amber
    "green": (0.2, 0.42),    # yellow-green to green
    "cool": (0.5, 0.7),      # cyan to blue
    "any": (0.0, 1.0),
}


def sample_colour(rng: np.random.Generator, family: str, saturation: tuple[float, float] = (0.35, 1.0),
                  value: tuple[float, float] = (0.3, 1.0)) -> np.ndarray:
    """An RGB colour (float 0..255) with a hue from the family."""
    lo, hi = FAMILIES[family]
    h = rng.uniform(lo, hi) % 1.0
    return np.array(colorsys.hsv_to_rgb(h, rng.uniform(*saturation), rng.uniform(*value)), np.float32) * 255


def partner_colour(rng: np.random.Generator, colour: np.ndarray, family: str) -> np.ndarray:
    """The second colour of a textured object: same family, clearly lighter or darker."""
    h, s, v = colorsys.rgb_to_hsv(*(colour / 255.0))
    lo, hi = FAMILIES[family]
    h2 = h if family == "any" else rng.uniform(lo, hi) % 1.0
    shift = rng.uniform(0.3, 0.55)
    v2 = v - shift if v - shift >= 0.08 else v + shift
    return np.array(colorsys.hsv_to_rgb(h2, rng.uniform(0.2, 1.0), min(v2, 1.0)), np.float32) * 255


def _rotate(u: np.ndarray, v: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    c, s = np.cos(angle), np.sin(angle)
    return u * c + v * s, -u * s + v * c


def value_noise(rng: np.random.Generator, u: np.ndarray, v: np.ndarray, cell: float) -> np.ndarray:
    """Smooth random field in 0..1: a random grid of `cell` px, interpolated with smoothstep."""
    gu = (u - u.min()) / cell
    gv = (v - v.min()) / cell
    grid = rng.random((int(gv.max()) + 2, int(gu.max()) + 2), dtype=np.float32)
    i, j = gv.astype(np.int64), gu.astype(np.int64)
    fv, fu = gv - i, gu - j
    fv, fu = fv * fv * (3 - 2 * fv), fu * fu * (3 - 2 * fu)
    top = grid[i, j] * (1 - fu) + grid[i, j + 1] * fu
    bottom = grid[i + 1, j] * (1 - fu) + grid[i + 1, j + 1] * fu
    return top * (1 - fv) + bottom * fv


def flat(rng: np.random.Generator, radius: float) -> Texture:
    return lambda u, v: np.zeros_like(u)


def stripes(rng: np.random.Generator, radius: float) -> Texture:
    period = float(np.clip(radius * rng.uniform(0.25, 0.45), 3.0, 9.0))
    angle, phase = rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)

    def field(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        a, _ = _rotate(u, v, angle)
        return 0.5 + 0.5 * np.clip(2.5 * np.sin(a * (2 * np.pi / period) + phase), -1, 1)

    return field


def checker(rng: np.random.Generator, radius: float) -> Texture:
    cell = float(np.clip(radius * rng.uniform(0.2, 0.4), 2.5, 8.0))
    angle = rng.uniform(0, np.pi / 2)
    offset = rng.uniform(0, cell, 2)

    def field(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        a, b = _rotate(u, v, angle)
        s = np.sin((a + offset[0]) * (np.pi / cell)) * np.sin((b + offset[1]) * (np.pi / cell))
        return 0.5 + 0.5 * np.clip(4.0 * s, -1, 1)

    return field


def dots(rng: np.random.Generator, radius: float) -> Texture:
    spacing = float(np.clip(radius * rng.uniform(0.3, 0.5), 3.5, 10.0))
    dot = spacing * rng.uniform(0.22, 0.32)
    angle = rng.uniform(0, np.pi / 2)
    offset = rng.uniform(0, 1, 2)

    def field(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        a, b = _rotate(u, v, angle)
        fa = (a / spacing + offset[0]) % 1.0 - 0.5
        fb = (b / spacing + offset[1]) % 1.0 - 0.5
        return np.clip(dot - np.hypot(fa, fb) * spacing + 0.5, 0, 1)

    return field


def noise(rng: np.random.Generator, radius: float) -> Texture:
    cell = float(np.clip(radius * rng.uniform(0.1, 0.22), 1.5, 5.0))

    def field(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        n = 0.65 * value_noise(rng, u, v, cell) + 0.35 * value_noise(rng, u, v, cell / 2.5)
        return np.clip((n - 0.5) * 2.6 + 0.5, 0, 1)

    return field


def gradient(rng: np.random.Generator, radius: float) -> Texture:
    angle = rng.uniform(0, 2 * np.pi)
    span = max(radius, 2.0)

    def field(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        a, _ = _rotate(u, v, angle)
        return np.clip(0.5 + a / (2 * span), 0, 1)

    return field


def hatch(rng: np.random.Generator, radius: float) -> Texture:
    """Crossed stripes; background only."""
    one, two = stripes(rng, radius), stripes(rng, radius)
    return lambda u, v: np.maximum(one(u, v), two(u, v))


def speckle(rng: np.random.Generator, radius: float) -> Texture:
    """Pixel-level colour noise; background only."""
    return lambda u, v: rng.random(u.shape, dtype=np.float32)


TEXTURES: dict[str, Callable[[np.random.Generator, float], Texture]] = {
    "flat": flat, "stripes": stripes, "checker": checker, "dots": dots, "noise": noise,
    "gradient": gradient, "hatch": hatch, "speckle": speckle,
}
