"""Which input pixels and which score cells one output pixel of an FCN depends on.

An output pixel of FCN-32s is a bilinear blend of the score_fr cells whose upsampling kernel covers
it (2 × 2 of them for VGG16's k64, stride 32), and each of those cells sees a 404 px square of the
input (CVPR Table 1's receptive field). FCN-8s blends score_fr through three upsamplings, and adds
score_pool4 and score_pool3 cells, whose fields are much smaller and whose grid is 4 and 8 times
finer: that is why its answer follows edges that 32s smears.

Everything here is derived from the layers themselves (`geometry.coord_map`, the deconvolutions'
kernels and strides, the skips' alignment shifts and the final crop), never from a table, so every
trunk gets its own true answer:

- `feeding_cells(model, maps, y, x)`: per map of the forward pass (score_fr, upscore2,
  score_pool4, fuse_pool4, …), the rows and columns of the cells whose upsampling kernel footprint
  reaches output pixel (y, x);
- `receptive_field(model, y, x, H, W)`: the input box those cells see, clipped to the image;
- `contributions(model, maps, y, x, class_index)`: each feeding score cell's value and the weight
  with which it enters that pixel's logit (the head after the score layers is linear, so the weight
  is the exact derivative of the logit by the cell).

Coordinates are array indices: output pixel (y, x) of the H×W logits, cell (row, col) of a map as
`FCN.intermediates` returns it (skip scores and fused maps already aligned, upsampled maps raw).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

import torch
import torch.nn.functional as F

from ..boxes import Box
from .fcn import FCN
from .geometry import coord_map, layers_of, receptive_field as field_size


@dataclass(frozen=True)
class Cells:
    """A block of cells of one map: `rows` × `cols` (ranges of array indices)."""

    rows: range
    cols: range

    def __len__(self) -> int:
        return len(self.rows) * len(self.cols)

    def __iter__(self):
        return ((r, c) for r in self.rows for c in self.cols)


@dataclass(frozen=True)
class Field(Box):
    """Input pixels [top, bottom) × [left, right), clipped to the image; `size` is the unclipped field
    (height, width): a cell near the border sees past the image."""

    size: tuple[int, int]


@dataclass(frozen=True)
class Contribution:
    """One feeding cell of a score map: its value for the class and its weight in the pixel's logit."""

    map: str
    row: int
    col: int
    value: float
    weight: float

    @property
    def share(self) -> float:
        return self.value * self.weight


def _spatial(value: Any) -> tuple[int, int]:
    shape = value.shape if hasattr(value, "shape") else value
    return int(shape[-2]), int(shape[-1])


def _deconv_sources(out: range, kernel: int, stride: int, size: int) -> range:
    """Input cells j of a deconvolution whose kernel reaches an output cell in `out`:
    0 ≤ o − stride·j ≤ kernel − 1, cut to the input's `size` cells."""
    if not out:
        return range(0)
    lo = max(0, -((kernel - 1 - out.start) // stride))  # ceil((o_min − k + 1) / s)
    hi = min(size - 1, (out.stop - 1) // stride)
    return range(lo, hi + 1) if hi >= lo else range(0)


def _shifted(cells: range, by: int, size: int) -> range:
    return range(max(cells.start + by, 0), min(cells.stop + by, size))


def _deconv(model: FCN, name: str) -> tuple[int, int]:
    layer = getattr(model, name)
    return layer.kernel_size[0], layer.stride[0]


def score_maps(model: FCN) -> tuple[str, ...]:
    """The maps whose cells a trunk blob scores, coarse to fine: score_fr, score_<skip> …"""
    return ("score_fr",) + tuple(f"score_{skip}" for skip in model.skips)


def feeding_cells(model: FCN, maps: Mapping[str, Any], y: int, x: int) -> dict[str, Cells]:
    """The cells of every map of the forward pass that feed output pixel (y, x), by map name.

    `maps` is `model.intermediates(...)`'s dict (tensors or arrays; only their last two sizes are
    read): it must hold the score and fused maps and the logits, whose size is the image's. Walks
    the head backwards: the final crop, the final upsampling's kernel footprint, then for each skip
    (fine to coarse) the fused map's cells are the aligned score's and, shifted by the alignment,
    the raw upsampled map's, whose kernel footprint gives the coarser fused map's (score_fr's last).
    """
    height, width = _spatial(maps["logits"])
    if not (0 <= y < height and 0 <= x < width):
        raise ValueError(f"pixel ({y}, {x}) is outside the {height}×{width} output")
    rows, cols = range(y + model.crop_offset, y + model.crop_offset + 1), range(x + model.crop_offset, x + model.crop_offset + 1)
    out: dict[str, Cells] = {}
    if model.final_upsampling in maps:
        out[model.final_upsampling] = Cells(rows, cols)
    upsampling = model.final_upsampling
    for i in reversed(range(len(model.skips))):
        skip = model.skips[i]
        fused = f"fuse_{skip}"
        h, w = _spatial(maps[fused])
        kernel, stride = _deconv(model, upsampling)
        rows, cols = _deconv_sources(rows, kernel, stride, h), _deconv_sources(cols, kernel, stride, w)
        out[fused] = out[f"score_{skip}"] = Cells(rows, cols)
        upsampling = model.upsampling_name(i)
        cut = max(0, -model.skip_shifts[skip])  # the raw upsampled map's cells before the aligned ones
        h, w = _spatial(maps[upsampling])
        rows, cols = _shifted(rows, cut, h), _shifted(cols, cut, w)
        out[upsampling] = Cells(rows, cols)
    kernel, stride = _deconv(model, upsampling)
    h, w = _spatial(maps["score_fr"])
    out["score_fr"] = Cells(_deconv_sources(rows, kernel, stride, h), _deconv_sources(cols, kernel, stride, w))
    return out


def _cell_fields(model: FCN) -> dict[str, tuple[int, Fraction, int]]:
    """(stride, offset, field size) of every score map: cell j is centred on input pixel stride·(j − offset)."""
    out = {}
    for name in score_maps(model):
        layers = model.trunk_layers(name[len("score_"):] if name != "score_fr" else None)
        layers = layers + layers_of([getattr(model, name)])
        a, b = coord_map(layers)
        out[name] = (a.denominator, b, field_size(layers))
    return out


def cell_field(model: FCN, name: str, row: int, col: int) -> Field:
    """The input pixels cell (row, col) of score map `name` sees, unclipped (may reach past the image)."""
    stride, offset, size = _cell_fields(model)[name]
    half = Fraction(size - 1, 2)
    top = math.floor(stride * (row - offset) - half)
    left = math.floor(stride * (col - offset) - half)
    return Field(top, left, top + size, left + size, (size, size))


def receptive_field(model: FCN, maps: Mapping[str, Any], y: int, x: int) -> Field:
    """The input box output pixel (y, x) depends on, clipped to the image; `size` is its full extent.

    The union of the fields of every score cell that feeds the pixel (`feeding_cells`): for VGG16
    FCN-32s that is 2 × 2 score_fr cells of 404 px, 32 px apart, so 436 px a side.
    """
    height, width = _spatial(maps["logits"])
    cells = feeding_cells(model, maps, y, x)
    boxes = []
    for name in score_maps(model):
        block = cells[name]
        if len(block):
            first = cell_field(model, name, block.rows.start, block.cols.start)
            last = cell_field(model, name, block.rows[-1], block.cols[-1])
            boxes.append((first.top, first.left, last.bottom, last.right))
    top, left = min(b[0] for b in boxes), min(b[1] for b in boxes)
    bottom, right = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return Field(max(top, 0), max(left, 0), min(bottom, height), min(right, width), (bottom - top, right - left))


def trunk_field(model: FCN) -> int:
    """What one score_fr cell sees along an axis (VGG16: 404 px, CVPR Table 1)."""
    return _cell_fields(model)["score_fr"][2]


def _head_tail(model: FCN, scores: Mapping[str, torch.Tensor], height: int, width: int) -> torch.Tensor:
    """The logits from the (aligned) score maps: the linear part of `FCN.intermediates` after the
    score layers, with the model's own deconvolution weights in float32 on the CPU."""
    def up(name: str, h: torch.Tensor) -> torch.Tensor:
        layer = getattr(model, name)
        return F.conv_transpose2d(h, layer.weight.detach().float().cpu(), stride=layer.stride)

    fused = scores["score_fr"]
    for i, skip in enumerate(model.skips):
        upscore = up(model.upsampling_name(i), fused)
        score = scores[f"score_{skip}"]
        cut = max(0, -model.skip_shifts[skip])
        fused = upscore[:, :, cut : cut + score.shape[2], cut : cut + score.shape[3]] + score
    full = up(model.final_upsampling, fused)
    return full[:, :, model.crop_offset : model.crop_offset + height, model.crop_offset : model.crop_offset + width]


def contributions(model: FCN, maps: Mapping[str, Any], y: int, x: int, class_index: int) -> list[Contribution]:
    """Every feeding cell of every score map, with its value for `class_index` and its weight in
    that class's logit at (y, x) (the derivative through the upsamplings and fusions).

    The weights are those of class to same class: the bilinear kernels never mix classes, and a
    learned one that does mixes them only slightly. Coarse maps first, each in row-major order.
    """
    height, width = _spatial(maps["logits"])
    scores = {name: torch.as_tensor(maps[name]).float().cpu().reshape(1, *_channels(maps[name])).requires_grad_(True)
              for name in score_maps(model)}
    logits = _head_tail(model, scores, height, width)
    grads = torch.autograd.grad(logits[0, class_index, y, x], list(scores.values()))
    cells = feeding_cells(model, maps, y, x)
    out = []
    for (name, score), grad in zip(scores.items(), grads, strict=True):
        for row, col in cells[name]:
            out.append(Contribution(name, row, col, float(score[0, class_index, row, col].detach()),
                                    float(grad[0, class_index, row, col])))
    return out


def _channels(value: Any) -> tuple[int, int, int]:
    shape = tuple(value.shape)
    return shape[-3], shape[-2], shape[-1]
