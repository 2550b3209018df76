"""Trimmed padding: VGG16's early blocks without most of conv1_1's 100 px of padding, exactly.

conv1_1 pads by 100 (REF's trick so that any input size yields valid crops), so a 192² input
runs block 1 at 390², block 2 at 195², block 3 at 98², most of it padding. Outside the
image-influenced box every activation is one constant vector per layer (conv1_1 over zeros is
relu(bias), a conv over a constant is a constant, pooling keeps it), except a band along the
tensor's border that the later convs' own zero padding reaches. Between band and box lies a gap of
"pure" columns (rows), all equal. So a tensor whose gap keeps only a few pure columns, cut from
the middle, computes the same values, as long as the band and the box, each growing by a cell per
3×3 conv, do not meet in the narrower gap; before they would, the tensor is widened back to the
true geometry by copies of a pure column (row).

The plan, per resolution level (the convs between two pools), derived from the layers for every
input size (`padding_plan`): level 1 runs conv1_1 with a padding g < 100, which cuts 100 − g pure
columns (rows) from each side; the cut stays a multiple of the pool's stride, so every pool keeps
its phase and halves it; after each pool one resize copies pure columns back (or cuts more) to the
next level's cut, and after the last trimmed level's pool the blob is restored in full, so pool3
and pool4 (the skips' blobs) and everything after them are the true ones. A level's cut is the
narrowest gap (both sides, every input size modulo the strides: ceil-mode pooling makes the right
side depend on it) after its last conv, or twice the gap after its pool less the one pure column
that is copied. Removing a run of pure columns commutes with a 3×3 conv as long as the narrower
gap keeps two pure columns before it (the cut then has a pure neighbour on each side), which that
cut guarantees; `tests/engine/test_padding.py` shows a cut two columns wider breaks the maps.

For VGG16: g = 8, and cuts of 92 cells in block 1, 40 in block 2 (½ resolution), 12 in block 3
(¼): a 192² input runs block 1 at 206² instead of 390², block 2 at 115² instead of 195², block 3
at 74² instead of 98²; level 4 (gap 7 at pool3, three convs) has nothing to spare. Other trunks
run their plain forward: GoogLeNet has no 100 px padding, and AlexNet's padded conv1 (11×11,
stride 4) followed by LRN and grouped convs is not planned here. `TrimmedFCN` is the trunk pass
with the plan under the model's own head: the exported ONNX graph and PyTorch's bf16/fp16 path;
the plain `FCN.forward` stays what it is (bit for bit pytorch-fcn's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .fcn import FCN
from .geometry import Layer, layers_of
from .vgg import VGG16FCN


@dataclass(frozen=True)
class Resize:
    """After trunk layer `after`, along both spatial axes: `count` > 0 copies of a pure column
    (row) inserted, < 0 that many removed, on each side; `left` is the index of the first pure
    column from the start, `right` that of the pure column `right` cells from the end."""

    after: str
    count: int
    left: int
    right: int


@dataclass(frozen=True)
class PaddingPlan:
    """conv1_1's trimmed `padding` and the resizes that keep the computed blobs exact."""

    first: str
    padding: int
    resizes: tuple[Resize, ...]

    def describe(self) -> str:
        """In words (and the part of the export cache key that names the graph)."""
        steps = ", ".join(f"{r.after} {r.count:+d}@{r.left}/{r.right}" for r in self.resizes)
        return f"{self.first} pad {self.padding}; {steps}"


@dataclass(frozen=True)
class AxisState:
    """One axis of one blob of the true (untrimmed) trunk: size, image-influenced cells lo … hi,
    and the widths of the bands that the border's zero padding reaches from each end."""

    size: int
    lo: int
    hi: int
    band_left: int
    band_right: int

    @property
    def gap_left(self) -> int:
        return self.lo - self.band_left

    @property
    def gap_right(self) -> int:
        return self.size - 1 - self.hi - self.band_right


def _output_size(layer: Layer, size: int) -> int:
    """PyTorch's (and Caffe's) output size: floor for convs, ceil for the trunk's pools."""
    span = size + 2 * layer.pad - layer.extent
    if layer.kind != "pool":
        return span // layer.stride + 1
    out = math.ceil(span / layer.stride) + 1
    return out - 1 if (out - 1) * layer.stride >= size + layer.pad else out


def _window_any(mask: np.ndarray, layer: Layer, out: int, pad_value: bool) -> np.ndarray:
    """Output cell j is True where any input cell of its window is (padding counts as `pad_value`)."""
    right = max(0, (out - 1) * layer.stride + layer.extent - layer.pad - mask.size)
    padded = np.concatenate([np.full(layer.pad, pad_value), mask, np.full(right, pad_value)])
    starts = np.arange(out) * layer.stride
    taps = starts[:, None] + layer.dilation * np.arange(layer.kernel)[None, :]
    return padded[taps].any(axis=1)


def axis_states(layers: list[Layer], size: int) -> list[AxisState]:
    """Every blob's `AxisState` along one axis for an input `size` cells long, by simulating which
    cells the image and which the border's padding can reach. conv1_1's padding is the pure value
    itself (zeros outside the image); later convs pad with zeros that differ from the pure value,
    so they reach in; max pools pad with −∞, which reaches nothing."""
    box, band = np.ones(size, bool), np.zeros(size, bool)
    states = []
    for i, layer in enumerate(layers):
        out = _output_size(layer, box.size)
        box = _window_any(box, layer, out, False)
        band = _window_any(band, layer, out, layer.kind == "conv" and i > 0)
        inside = np.flatnonzero(box)
        lo, hi = int(inside[0]), int(inside[-1])
        left = int(np.flatnonzero(band[:lo])[-1] + 1) if band[:lo].any() else 0
        right = int(out - 1 - hi - np.flatnonzero(band[hi + 1 :])[0]) if band[hi + 1 :].any() else 0
        if band[left:lo].any() or band[hi + 1 : out - right].any():
            raise ValueError("the border band is not a run from the edge")
        states.append(AxisState(out, lo, hi, left, right))
    return states


def _levels(layers: list[Layer]) -> list[tuple[int, int]]:
    """(start, end) layer indices of each resolution level: from the first conv (or a pool's output)
    to the last conv before the next pool."""
    levels, start = [], 0
    for i, layer in enumerate(layers):
        if layer.kind == "pool":
            if i - 1 > start:
                levels.append((start, i - 1))
            start = i
    return levels


def padding_plan(model: nn.Module, levels: int | None = None) -> PaddingPlan | None:
    """The exact trimming of `model`'s trunk (its first `levels` levels at most), or None where
    nothing can be trimmed (another trunk, or no padding to spare)."""
    if not isinstance(model, VGG16FCN):
        return None
    names = model.trunk_names()
    layers = layers_of(model.trunk_path())
    first = layers[0]
    if len(layers) != len(names) or first.kind != "conv" or first.stride != 1 or first.pad < 2:
        return None
    pools = sum(layer.kind == "pool" for layer in layers)
    # Input sizes 1 … 2^pools + 1 cover every residue of the sizes through all the ceil-mode pools.
    runs = [axis_states(layers, size) for size in range(1, 2**pools + 2)]

    def gap(index: int) -> int:
        """The narrowest pure gap of blob `index`, both sides, every input size (bands at their widest)."""
        states = [run[index] for run in runs]
        left = min(s.lo for s in states) - max(s.band_left for s in states)
        right = min(s.size - 1 - s.hi for s in states) - max(s.band_right for s in states)
        return min(left, right)

    def resize(after: int, count: int) -> Resize:
        states = [run[after] for run in runs]
        return Resize(names[after], count, max(s.band_left for s in states), max(s.band_right for s in states))

    padding, resizes, removed = first.pad, [], 0  # `removed`: pure cells cut from each side now
    for number, (start, end) in enumerate(_levels(layers)[:levels]):
        pool = end + 1
        stride = layers[pool].stride
        # C's gap (the true one less the cut) must stay ≥ 0 through the convs, and keep a pure
        # cell to copy from after the pool; the cut must be a multiple of the pool's stride.
        cut = min(gap(end), stride * (gap(pool) - 1))
        if number == 0:
            cut = min(cut, first.pad)
        cut -= cut % stride
        if cut <= 0:
            break
        if number == 0:
            padding = first.pad - cut
        elif cut != removed:
            resizes.append(resize(start, removed - cut))
        removed = cut // stride
        last = pool
    if removed:
        resizes.append(resize(last, removed))
    if not resizes:
        return None
    return PaddingPlan(names[0], padding, tuple(resizes))


def _cells(x: torch.Tensor, dim: int, start: int | None, stop: int | None) -> torch.Tensor:
    """x[start:stop] along `dim` (negative bounds count from the end, so no symbolic size arithmetic:
    torch.export then keeps height and width free)."""
    index = [slice(None)] * x.dim()
    index[dim] = slice(start, stop)
    return x[tuple(index)]


def resize_axis(x: torch.Tensor, dim: int, step: Resize) -> torch.Tensor:
    """`step` applied along `dim`: pure columns (rows) removed or copied on both sides (slices and a
    concatenation: what an ONNX graph with dynamic H×W does too)."""
    right = -step.right or None  # the right band starts there
    left = [_cells(x, dim, 0, step.left)] if step.left else []
    band = [_cells(x, dim, right, None)] if step.right else []
    if step.count < 0:
        cut = -step.count
        inner = [_cells(x, dim, step.left + cut, -step.right - cut)]
    else:
        shape = [-1] * x.dim()
        shape[dim] = step.count
        inner = [_cells(x, dim, step.left, step.left + 1).expand(shape), _cells(x, dim, step.left, right),
                 _cells(x, dim, -step.right - 1, right).expand(shape)]
    return torch.cat(left + inner + band, dim)


def apply_resize(x: torch.Tensor, step: Resize) -> torch.Tensor:
    return resize_axis(resize_axis(x, 3, step), 2, step)


def ceil_pool(x: torch.Tensor, pool: nn.MaxPool2d) -> torch.Tensor:
    """`pool` (2×2, stride 2, ceil mode) over a ReLU's output `x`, as a floor-mode pool of `x`
    padded by one row and column of zeros: the same values (x ≥ 0, so the extra window of an odd
    size yields its one real cell), and an output size torch.export can reason about for every input
    size (ceil mode's size rule made it specialise the graph's H×W to multiples of 32, which then
    computed some crops wrong at other sizes). Zeros, not −∞, so that int8 calibration ranges stay finite."""
    if (pool.kernel_size, pool.stride, pool.padding, pool.dilation) not in ((2, 2, 0, 1), ((2, 2), (2, 2), (0, 0), (1, 1))):
        return pool(x)
    return F.max_pool2d(F.pad(x, (0, 1, 0, 1)), 2, 2)


class TrimmedFCN(nn.Module):
    """`model`'s trunk run with `plan` under its own head: every map `model.intermediates` gives
    (within float rounding: convolutions over other tensor sizes sum in another order), computed
    over fewer pixels. Shares the model's parameters."""

    def __init__(self, model: VGG16FCN, plan: PaddingPlan):
        super().__init__()
        self.model = model
        self.plan = plan
        self._after: dict[str, list[Resize]] = {}
        for step in plan.resizes:
            self._after.setdefault(step.after, []).append(step)

    def features(self, x: torch.Tensor, keep: tuple[str, ...] = ()) -> dict[str, torch.Tensor]:
        """`VGG16FCN.features` with the plan's padding and resizes."""
        model, out, h = self.model, {}, x
        for name in model.trunk_names():
            module = getattr(model, name)
            if name == self.plan.first:
                h = F.conv2d(h, module.weight, module.bias, module.stride, self.plan.padding)
            elif isinstance(module, nn.MaxPool2d):
                h = ceil_pool(h, module)
            else:
                h = module(h)
            if isinstance(module, nn.Conv2d):
                h = F.relu(h, inplace=True)
                if name in ("fc6", "fc7"):
                    h = getattr(model, f"drop{name[2:]}")(h)
            for step in self._after.get(name, ()):
                h = apply_resize(h, step)
            if name in keep:
                out[name] = h
        out[model.last_blob] = h
        return out

    def intermediates(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.model.head(self.features(x, keep=self.model.skips), x.shape[2], x.shape[3])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.intermediates(x)["logits"]


def trimmed(model: FCN, levels: int | None = None) -> FCN | TrimmedFCN:
    """The trimmed pass of `model` where it has a plan, else the model itself."""
    plan = padding_plan(model, levels)
    return model if plan is None else TrimmedFCN(model, plan)
