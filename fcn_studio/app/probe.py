"""The receptive field of one clicked pixel and the score cells behind it, as the window draws them.

`probe_at` asks the engine (`engine/receptive.py`) what output pixel (x, y) of a result depends on:
the input box (drawn over the image), the cells of every map of the forward pass that feed it
(outlined in *Inside the net*) and, for the shown class, each feeding score cell's value and its
weight in the pixel's logit (listed under the maps). Shift-and-stitch results (a 32s net run on
shifted inputs) and tiled ones (no internal maps) have no single forward pass to point into: the
probe then says so instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import FCN, Prediction
from ..engine.receptive import Cells, Contribution, Field, contributions, feeding_cells, receptive_field, trunk_field

SHOWN_PER_MAP = 4  # cells listed per score map, largest share first; the rest are summed


@dataclass
class Probe:
    """What pixel (x, y) of the shown result depends on; `note` explains an empty probe."""

    x: int
    y: int
    box: Field | None = None
    trunk_field: int = 0
    cells: dict[str, Cells] = field(default_factory=dict)
    parts: list[Contribution] = field(default_factory=list)
    class_name: str = ""
    logit: float = 0.0  # the class's logit at the pixel
    note: str = ""

    @property
    def label(self) -> str:
        """The caption of the drawn box: its full size, and what one score_fr cell sees."""
        if self.box is None:
            return self.note
        h, w = self.box.size
        clipped = " (clipped to the image)" if (self.box.height, self.box.width) != (h, w) else ""
        return f"receptive field {w} × {h} px{clipped} · one score_fr cell sees {self.trunk_field} px"

    def table(self) -> str:
        """Per score map: its feeding cells' value × weight for the class, largest shares first."""
        if not self.parts:
            return self.note
        lines = [f"pixel ({self.x}, {self.y}) {self.class_name}: logit = Σ value × weight"]
        for name in dict.fromkeys(p.map for p in self.parts):
            parts = sorted((p for p in self.parts if p.map == name), key=lambda p: -abs(p.share))
            lines.append(f"{name}: {len(parts)} cells, Σ = {sum(p.share for p in parts):+.3g}")
            lines += [f"  cell ({p.row},{p.col}) = {p.value:.3g} × {p.weight:.3g} = {p.share:+.3g}"
                      for p in parts[:SHOWN_PER_MAP]]
            if len(parts) > SHOWN_PER_MAP:
                lines.append(f"  … {len(parts) - SHOWN_PER_MAP} more, Σ = {sum(p.share for p in parts[SHOWN_PER_MAP:]):+.3g}")
        rest = self.logit - sum(p.share for p in self.parts)
        if abs(rest) > 1e-3 * max(1.0, abs(self.logit)):  # learned 2× kernels that mix classes
            lines.append(f"other classes' cells, through the learned 2× kernels: {rest:+.3g}")
        lines.append(f"logit = {self.logit:+.3g}")
        return "\n".join(lines)


def probe_at(model: FCN, pred: Prediction, x: int, y: int, class_index: int, class_name: str = "",
             stitched: bool = False) -> Probe | None:
    """The probe of image pixel (x, y) of `pred` (computed by `model`), or None off the image."""
    h, w = pred.labels.shape
    if not (0 <= x < w and 0 <= y < h):
        return None
    if stitched:
        return Probe(x, y, note="shift-and-stitch runs the 32s net on shifted inputs: no single field to draw")
    maps = pred.intermediates
    if not maps or "logits" not in maps:
        return Probe(x, y, note="this result kept no internal maps (a tiled image): no field to draw")
    out = Probe(x, y, receptive_field(model, maps, y, x), trunk_field(model), feeding_cells(model, maps, y, x),
                class_name=class_name)
    out.cells["logits"] = Cells(range(y, y + 1), range(x, x + 1))
    if 0 <= class_index < maps["logits"].shape[0]:
        out.parts = contributions(model, maps, y, x, class_index)
        out.logit = float(maps["logits"][class_index, y, x])
    return out


def cell_rects(cells: Cells, stride: int, offset: float) -> tuple[float, float, float, float]:
    """(x, y, width, height) in image pixels of a block of cells of a map placed as
    `analysis.InternalMap` places it (cell j centred on pixel stride·(j − offset))."""
    start = 0.5 - stride * offset - stride / 2
    return (start + cells.cols.start * stride, start + cells.rows.start * stride,
            len(cells.cols) * stride, len(cells.rows) * stride)
