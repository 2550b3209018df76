"""Rendering one synthetic scene: cluttered background, occluding objects, VOC-style void bands.

Everything is drawn with whole-array numpy operations on each object's bounding box; one 128×128
scene costs a few milliseconds. All randomness comes from the `numpy.random.Generator` passed in,
so a scene is a pure function of its generator's seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...palette import VOID_LABEL
from .classes import DISTRACTORS, SCENE_CLASSES
from .shapes import SHAPES
from .textures import TEXTURES, partner_colour, sample_colour, value_noise

MIN_OBJECT_PX = 10.0
MAX_OBJECT_FRACTION = 0.6
BACKGROUND_TEXTURES = tuple(TEXTURES)
# The background is muted — low saturation, its texture at a fraction of an object's contrast — as
# walls and fields are behind the things a photo is about. Version 1 drew it at full strength in any
# colour: a compact net trained from scratch then spent thousands of updates predicting nothing but
# background (see README, "What the shipped models learned").
BACKGROUND_SATURATION = (0.0, 0.35)
BACKGROUND_VALUE = (0.35, 0.8)
BACKGROUND_CONTRAST = 0.3


@dataclass(frozen=True)
class SceneObject:
    """One thing to draw: its label (0 for distractors), look, nominal diameter, place and turn."""

    label: int
    shape: str
    texture: str
    colours: str
    size: float
    x: float
    y: float
    angle: float


def void_width(size: int) -> int:
    """Void band width in px: 1 at 128 px, growing with the image like VOC's ~1 % of the side."""
    return max(1, round(size / 128))


def sample_objects(rng: np.random.Generator, size: int) -> list[SceneObject]:
    """6–14 labelled objects and 0–4 distractors in random drawing order (later ones on top).

    Diameters are log-uniform from 10 px to 60 % of the image, so small things are as common per
    octave as large ones; centres are anywhere in the image, so objects are cut by its border.
    """
    n_objects, n_distractors = int(rng.integers(6, 15)), int(rng.integers(0, 5))
    looks = []
    for label in rng.integers(1, len(SCENE_CLASSES), n_objects):
        c = SCENE_CLASSES[int(label)]
        looks.append((int(label), c.shape, c.texture, c.colours))
    for k in rng.integers(0, len(DISTRACTORS), n_distractors):
        shape, texture = DISTRACTORS[int(k)]
        looks.append((0, shape, texture, "any"))
    order = rng.permutation(len(looks))
    sizes = np.exp(rng.uniform(np.log(MIN_OBJECT_PX), np.log(size * MAX_OBJECT_FRACTION), len(looks)))
    places = rng.uniform(0, size, (len(looks), 2))
    angles = rng.uniform(0, 2 * np.pi, len(looks))
    return [SceneObject(*looks[k], size=float(sizes[i]), x=float(places[i, 0]), y=float(places[i, 1]),
                        angle=float(angles[i])) for i, k in enumerate(order)]


def draw_background(rng: np.random.Generator, size: int) -> np.ndarray:
    """3–8 warped Voronoi patches, each with a random muted texture and colour (H×W×3 float32)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    k = int(rng.integers(3, 9))
    seeds = rng.uniform(0, size, (k, 2)).astype(np.float32)
    amount = size * rng.uniform(0.05, 0.2)
    wx = (value_noise(rng, xx, yy, size / 4) - 0.5) * 2 * amount
    wy = (value_noise(rng, xx, yy, size / 4) - 0.5) * 2 * amount
    dist = (xx[None] + wx[None] - seeds[:, 0, None, None]) ** 2 + (yy[None] + wy[None] - seeds[:, 1, None, None]) ** 2
    cell = dist.argmin(axis=0)
    canvas = np.empty((size, size, 3), np.float32)
    for i in range(k):
        mask = cell == i
        if not mask.any():
            continue
        texture = TEXTURES[BACKGROUND_TEXTURES[int(rng.integers(len(BACKGROUND_TEXTURES)))]](rng, rng.uniform(4, size / 4))
        c1 = sample_colour(rng, "any", saturation=BACKGROUND_SATURATION, value=BACKGROUND_VALUE)
        c2 = c1 + BACKGROUND_CONTRAST * (partner_colour(rng, c1, "any") - c1)
        angle = rng.uniform(0, 2 * np.pi)
        du, dv = xx[mask] - seeds[i, 0], yy[mask] - seeds[i, 1]
        u, v = du * np.cos(angle) + dv * np.sin(angle), -du * np.sin(angle) + dv * np.cos(angle)
        t = texture(u, v)
        canvas[mask] = c1 + t[:, None] * (c2 - c1)
    return canvas


def draw_object(canvas: np.ndarray, label: np.ndarray, top: np.ndarray, obj: SceneObject, z: int,
                rng: np.random.Generator) -> None:
    """Composite one object over the canvas (anti-aliased) and claim its pixels in label/top."""
    size = canvas.shape[0]
    spec = SHAPES[obj.shape](rng, obj.size, size)
    texture = TEXTURES[obj.texture](rng, spec.radius)
    c1 = sample_colour(rng, obj.colours)
    c2 = partner_colour(rng, c1, obj.colours) if obj.texture != "flat" else c1
    reach = spec.radius + 1.5
    x0, x1 = max(0, int(np.floor(obj.x - reach))), min(size, int(np.ceil(obj.x + reach)) + 1)
    y0, y1 = max(0, int(np.floor(obj.y - reach))), min(size, int(np.ceil(obj.y + reach)) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    dx = np.arange(x0, x1, dtype=np.float32)[None, :] - obj.x
    dy = np.arange(y0, y1, dtype=np.float32)[:, None] - obj.y
    c, s = np.float32(np.cos(obj.angle)), np.float32(np.sin(obj.angle))
    u, v = dx * c + dy * s, -dx * s + dy * c
    distance = spec.sdf(u, v)
    alpha = np.clip(0.5 - distance, 0, 1)[..., None]
    colour = c1 + texture(u, v)[..., None] * (c2 - c1)
    crop = canvas[y0:y1, x0:x1]
    crop += alpha * (colour - crop)
    inside = distance < 0
    label[y0:y1, x0:x1][inside] = obj.label
    top[y0:y1, x0:x1][inside] = z


def void_borders(label: np.ndarray, top: np.ndarray, width: int) -> np.ndarray:
    """Mark 255 the pixels within `width` px outside each visible object edge.

    VOC's annotators drew a void band along object outlines; ours lies on the *lower* side of each
    edge between different labels (the background, or the object underneath), never on the object
    on top. That keeps the mixed anti-aliased pixels out of the loss while a 1-px wire keeps its
    label — a band straddling both sides would erase exactly the thin parts the skips are for.
    `top` holds each pixel's drawing order (−1 for the background).
    """
    h, w = label.shape
    void = np.zeros((h, w), bool)
    for dy in range(-width, width + 1):
        for dx in range(-width, width + 1):
            if (dy, dx) == (0, 0) or dy * dy + dx * dx > width * width + width:
                continue
            p = (slice(max(0, -dy), h - max(0, dy)), slice(max(0, -dx), w - max(0, dx)))
            q = (slice(max(0, dy), h - max(0, -dy)), slice(max(0, dx), w - max(0, -dx)))
            void[p] |= (top[q] > top[p]) & (label[q] != label[p])
    out = label.copy()
    out[void] = VOID_LABEL
    return out


def finish(rng: np.random.Generator, canvas: np.ndarray) -> np.ndarray:
    """Uneven lighting and sensor noise over the whole image, then 8-bit RGB."""
    size = canvas.shape[0]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) - size / 2
    angle, strength = rng.uniform(0, 2 * np.pi), rng.uniform(-0.35, 0.35)
    light = 1 + strength * (xx * np.cos(angle) + yy * np.sin(angle)) / size
    canvas *= light[..., None]
    canvas += rng.normal(0, rng.uniform(1.0, 6.0), canvas.shape).astype(np.float32)
    return np.clip(np.rint(canvas), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Scene:
    """A rendered scene and its layers: `label` has the void bands, `raw` not; `top` is the drawing
    order of the object seen at each pixel (−1 for background) — what decided the bands."""

    rgb: np.ndarray
    label: np.ndarray
    raw: np.ndarray
    top: np.ndarray
    objects: list[SceneObject]


def draw_scene(rng: np.random.Generator, size: int) -> Scene:
    """Background, objects in order, lighting and noise, then the void bands."""
    if size < 16:
        raise ValueError(f"scene size {size} px is too small; use at least 16")
    canvas = draw_background(rng, size)
    raw = np.zeros((size, size), np.uint8)
    top = np.full((size, size), -1, np.int16)
    objects = sample_objects(rng, size)
    for z, obj in enumerate(objects):
        draw_object(canvas, raw, top, obj, z, rng)
    rgb = finish(rng, canvas)
    return Scene(rgb, void_borders(raw, top, void_width(size)), raw, top, objects)


def render_scene(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """One scene: (size×size×3 uint8 RGB, size×size uint8 labels with 255 void bands)."""
    scene = draw_scene(rng, size)
    return scene.rgb, scene.label
