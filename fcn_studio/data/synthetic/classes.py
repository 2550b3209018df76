"""The class table of the synthetic scenes: what each label means and how it is drawn.

The set is built so that no single cue names a class:
- shape alone is ambiguous: disc, square and triangle each come in two textures that are different
  classes, and the same shapes appear with other textures as unlabelled background clutter;
- texture alone is ambiguous: stripes mark a disc, a triangle and a bar; dots a disc and a hexagon;
  and the background is full of every texture (muted) and of full-strength distractor objects;
- colour alone is ambiguous: each colour family is shared by four or five classes and the
  background takes any colour.
Thin classes (ring, frame, wire, cross, crescent tips, star points) are 1–4 px wide, so a net that
predicts at stride 32 loses them while one with the pool3/pool4 skips can keep them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..classes import ClassList
from ...palette import voc_palette


@dataclass(frozen=True)
class SceneClass:
    """One label: its name, the shape and texture that define it, its colour family, and why."""

    name: str
    shape: str
    texture: str
    colours: str
    about: str


BACKGROUND = SceneClass("background", "clutter", "any", "any",
                        "muted, warped patches of every texture and colour, plus full-colour distractor objects")

SCENE_CLASSES: tuple[SceneClass, ...] = (
    BACKGROUND,
    SceneClass("striped_disc", "disc", "stripes", "warm", "round, striped; a checker or noisy disc is background"),
    SceneClass("dotted_disc", "disc", "dots", "cool", "round, polka-dotted; same shape as striped_disc"),
    SceneClass("ring", "ring", "flat", "warm", "thin circle 1–3.5 px wide; its inside shows what lies below"),
    SceneClass("frame", "frame", "flat", "cool", "thin square outline 1–3.5 px wide"),
    SceneClass("checker_square", "square", "checker", "warm", "filled square, checkerboard"),
    SceneClass("noisy_square", "square", "noise", "green", "filled square, blotchy noise; a striped square is background"),
    SceneClass("striped_triangle", "triangle", "stripes", "green", "triangle, striped"),
    SceneClass("checker_triangle", "triangle", "checker", "cool", "triangle, checkerboard; a dotted triangle is background"),
    SceneClass("star", "star", "gradient", "warm", "five-pointed star with sharp thin points, shaded"),
    SceneClass("cross", "cross", "flat", "green", "plus sign whose arms may be 1–2 px thin at small sizes"),
    SceneClass("bar", "bar", "stripes", "cool", "elongated rectangle ≥ 4 px wide; stripes tell it from a wire"),
    SceneClass("wire", "wire", "flat", "any", "smooth curve 1–2.6 px wide, often crossing the whole image"),
    SceneClass("ellipse", "ellipse", "gradient", "green", "elongated oval, shaded like the star"),
    SceneClass("crescent", "crescent", "noise", "cool", "disc with a bite out of it: curved and pointed"),
    SceneClass("dotted_hexagon", "hexagon", "dots", "warm", "hexagon, polka-dotted; a striped hexagon is background"),
)

# (shape, texture) pairs drawn as clutter and labelled background: they force shape *and* texture
# to be read together (a checker disc looks like both a striped disc and a checker square).
DISTRACTORS: tuple[tuple[str, str], ...] = (
    ("disc", "checker"), ("disc", "noise"), ("square", "stripes"), ("square", "dots"),
    ("triangle", "dots"), ("hexagon", "stripes"), ("ellipse", "stripes"), ("blob", "flat"),
    ("blob", "checker"), ("blob", "stripes"), ("blob", "noise"), ("blob", "dots"),
)


def scene_class_list() -> ClassList:
    """Names and VOC palette colours of the synthetic classes, as written to classes.json."""
    return ClassList(tuple(c.name for c in SCENE_CLASSES), voc_palette(len(SCENE_CLASSES)))


def class_table() -> str:
    """The table above as aligned text (for `--help`, logs and docs)."""
    rows = [("id", "name", "shape", "texture", "colours", "about")]
    rows += [(str(i), c.name, c.shape, c.texture, c.colours, c.about) for i, c in enumerate(SCENE_CLASSES)]
    widths = [max(len(r[k]) for r in rows) for k in range(5)]
    return "\n".join("  ".join(r[k].ljust(widths[k]) for k in range(5)) + "  " + r[5] for r in rows)

