"""Shift-and-stitch (CVPR §3.2): dense predictions from a coarse net, without interpolation.

For a net whose output stride is f·step input pixels, run it on the f² inputs padded on the
top-left by (x·step, y·step), (x, y) ∈ {0 … f−1}² — the content moves right by x·step and down by
y·step — and interlace the coarse outputs: cell (i, j) of shift (x, y) goes to dense cell
(f·i + f−1−y, f·j + f−1−x). A shift right moves a cell's receptive field left, so this order puts
every prediction where its receptive field's centre is; the dense map has stride `step`.
Cost: f² forward passes (1024 for a fully dense FCN-32s), against one for learned upsampling.
Between the two, `stitched_logits(model, x, f)` stitches by f and interpolates the remaining
32/f with the same fixed bilinear upsampling the 32s head uses (f = 1 is that head itself).

The paper's cheap equivalent, filter rarefaction (`rarefy`): each strided layer gets stride 1 and
every later filter is dilated by the product of the strides before it (f'_ij = f_{i/s, j/s} when s
divides i and j, else 0). On the input padded by (f−1)·step at the top-left it yields the same
dense map in one pass — exactly wherever no zero padding follows the first strided layer (a padded
layer sees real neighbours in a shifted pass where the rarefied net sees padding), and away from
the borders otherwise. With Caffe's ceil-mode pools a shifted pass can end in a partial window:
the stitched map then has a row/column more at the bottom/right than the rarefied one.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import torch
from torch import nn
import torch.nn.functional as F

from .bilinear import upsample_filt
from .fcn import FCN, crop
from .geometry import Layer, coord_map, crop_of, upsampling_kernel

# Layers without spatial extent pass through rarefaction unchanged.
POINTWISE = (nn.ReLU, nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.Identity)


def shift_and_stitch(net: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, factor: int,
                     step: int = 1) -> torch.Tensor:
    """Interlaced outputs of `net` on the factor² top-left-padded shifts of `x` (factor² passes).

    The result keeps the longest prefix of dense cells that every shift provides, so no cell is
    left empty; its cell q sits where coarse cell j of shift k does with q = factor·j + factor−1−k.
    """
    if factor < 1 or step < 1:
        raise ValueError(f"factor and step must be positive, got {factor} and {step}")
    coarse = {(ky, kx): net(F.pad(x, (kx * step, 0, ky * step, 0)))
              for ky in range(factor) for kx in range(factor)}
    rows = {ky: coarse[ky, 0].shape[2] for ky in range(factor)}
    cols = {kx: coarse[0, kx].shape[3] for kx in range(factor)}
    height = min(factor * n + factor - 1 - k for k, n in rows.items())
    width = min(factor * n + factor - 1 - k for k, n in cols.items())
    sample = coarse[0, 0]
    dense = sample.new_empty(sample.shape[0], sample.shape[1], factor * max(rows.values()), factor * max(cols.values()))
    for (ky, kx), out in coarse.items():
        dense[:, :, factor - 1 - ky :: factor, factor - 1 - kx :: factor][:, :, : out.shape[2], : out.shape[3]] = out
    return dense[:, :, :height, :width]


def rarefy(net: nn.Sequential, start: int = 0) -> nn.Sequential:
    """A copy of `net` whose layers from index `start` on have stride 1, each later filter dilated
    by the strides removed before it (à trous); the output becomes that much denser."""
    out = copy.deepcopy(net)
    dilation = 1
    for layer in list(out)[start:]:
        if isinstance(layer, POINTWISE):
            continue
        if not isinstance(layer, (nn.Conv2d, nn.MaxPool2d)):
            raise ValueError(f"cannot rarefy {type(layer).__name__}: only Conv2d, MaxPool2d and pointwise layers")
        stride = layer.stride[0] if isinstance(layer.stride, tuple) else layer.stride
        pad = layer.padding[0] if isinstance(layer.padding, tuple) else layer.padding
        own = layer.dilation[0] if isinstance(layer.dilation, tuple) else layer.dilation
        if isinstance(layer, nn.Conv2d):
            layer.stride, layer.padding, layer.dilation = (1, 1), (pad * dilation,) * 2, (own * dilation,) * 2
        else:
            layer.stride, layer.padding, layer.dilation = 1, pad * dilation, own * dilation
        dilation *= stride
    return out


def coarse_scores(model: FCN) -> Callable[[torch.Tensor], torch.Tensor]:
    """The stride-32 score_fr of any FCN (skip heads are not part of shift-and-stitch)."""
    return lambda x: model.score_fr(model.features(x, keep=())[model.last_blob])


@dataclass
class StitchedScores:
    """Dense score_fr and where it lies: cell q sits on input pixel stride·(q − offset)."""

    scores: torch.Tensor
    stride: int
    offset: float
    passes: int


def stitched_scores(model: FCN, x: torch.Tensor, factor: int) -> StitchedScores:
    """score_fr made `factor` times denser by shift-and-stitch (factor² passes; factor divides 32)."""
    if model.stride % factor:
        raise ValueError(f"factor must divide the output stride {model.stride}, got {factor}")
    step = model.stride // factor
    stride, b = model.blob_geometry["score_fr"]
    with torch.no_grad():
        scores = shift_and_stitch(coarse_scores(model), x, factor, step)
    return StitchedScores(scores, step, factor - 1 + factor * b, factor * factor)


def stitched_logits(model: FCN, x: torch.Tensor, factor: int | None = None) -> torch.Tensor:
    """Input-sized logits from score_fr stitched `factor`× denser (factor² passes; default the
    stride: fully dense, no interpolation), the remaining stride/factor upsampled bilinearly.

    A fully dense map is cropped so each pixel gets the prediction whose receptive field is centred
    on it; where that centre falls between pixels (VGG16: 12.5 px past the grid) it rounds down.
    A partly dense one goes through a fixed bilinear deconvolution whose kernel (2s or 2s − 1) and
    crop the coord_map chooses, as for the learned heads.
    """
    dense = stitched_scores(model, x, model.stride if factor is None else factor)
    return upsample_stitched(dense, x.shape[2], x.shape[3])


def upsample_stitched(dense: StitchedScores, height: int, width: int) -> torch.Tensor:
    """The logits of `stitched_logits` from already stitched scores, cropped to height × width."""
    if dense.stride == 1:
        return crop(dense.scores, math.floor(dense.offset), height, width)
    where = (Fraction(1, dense.stride), Fraction(dense.offset))
    kernel = upsampling_kernel(where, dense.stride)
    channels = dense.scores.shape[1]
    weight = upsample_filt(kernel).to(dense.scores).expand(channels, 1, kernel, kernel)
    up = F.conv_transpose2d(dense.scores, weight, stride=dense.stride, groups=channels)
    return crop(up, crop_of(coord_map([Layer("deconv", kernel, dense.stride)], start=where)), height, width)
