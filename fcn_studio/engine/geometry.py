"""Where a blob's cells sit in the input: Caffe's `coord_map`, receptive fields and crop offsets.

The reference crops (VGG16: 19; AlexNet: 18) are constants that REF computed with Caffe's
`coord_map`; here they are derived from the layers themselves, so a new trunk (or a skip head on
one) gets an exact alignment without anyone doing the arithmetic by hand. The map of a blob is
`y = a·x + b` from input pixel x to blob cell y (exact fractions, no float rounding):

- conv / pool (k, s, p, dilation d; effective kernel e = d(k−1)+1): a ← a/s, b ← (b + p − (e−1)/2)/s
- deconv (same symbols):                                           a ← a·s, b ← s·b + (e−1)/2 − p

Only the spatial layers of the longest path matter: ReLU, dropout and batch norm leave the map
alone, and every inception branch is centred, so its 1×1 → 3×3 branch stands for the module.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable

from torch import nn

# torchvision's GoogLeNet blocks, recognised only if torchvision has loaded them: a net made of them
# imported them already, and importing torchvision for a VGG16 or AlexNet net costs about a second
# (its model zoo and operators) before a command's first image.
_GOOGLENET = "torchvision.models.googlenet"


@dataclass(frozen=True)
class Layer:
    """Spatial arithmetic of one layer; `kind` is conv, pool or deconv."""

    kind: str
    kernel: int
    stride: int = 1
    pad: int = 0
    dilation: int = 1

    @property
    def extent(self) -> int:
        """Span of the (dilated) kernel in input cells."""
        return self.dilation * (self.kernel - 1) + 1


def _pair_first(value: int | tuple[int, ...]) -> int:
    """Our nets are square-kerneled; the first entry stands for both axes."""
    return value[0] if isinstance(value, tuple) else value


def layers_of(modules: Iterable[nn.Module]) -> list[Layer]:
    """The spatial layers of a chain of modules, in order (inception modules by their 3×3 branch)."""
    out: list[Layer] = []
    for module in modules:
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.MaxPool2d, nn.AvgPool2d)):
            kind = "deconv" if isinstance(module, nn.ConvTranspose2d) else "conv" if isinstance(module, nn.Conv2d) else "pool"
            out.append(Layer(kind, _pair_first(module.kernel_size), _pair_first(module.stride),
                             _pair_first(module.padding), _pair_first(getattr(module, "dilation", 1))))
        elif (googlenet := sys.modules.get(_GOOGLENET)) and isinstance(module, googlenet.BasicConv2d):
            out.extend(layers_of([module.conv]))
        elif googlenet and isinstance(module, googlenet.Inception):
            out.extend(layers_of(module.branch2))
        elif isinstance(module, nn.Sequential):
            out.extend(layers_of(module))
    return out


Map = tuple[Fraction, Fraction]


def coord_map(layers: Iterable[Layer], start: Map = (Fraction(1), Fraction(0))) -> Map:
    """(a, b) with blob cell y = a·x + b for input pixel x, after the given layers (applied to
    the blob whose map is `start`; by default the input itself)."""
    a, b = start
    for layer in layers:
        half = Fraction(layer.extent - 1, 2)
        if layer.kind == "deconv":
            a, b = a * layer.stride, layer.stride * b + half - layer.pad
        else:
            a, b = a / layer.stride, (b + layer.pad - half) / layer.stride
    return a, b


def blob_geometry(layers: Iterable[Layer]) -> tuple[int, float]:
    """(stride, offset) such that cell j sits on input pixel stride·(j − offset) (`FCN.blob_geometry`'s form)."""
    return stride_offset(coord_map(layers))


def stride_offset(m: Map) -> tuple[int, float]:
    """A map `x/stride + b` as (stride, b)."""
    a, b = m
    if a.numerator != 1:
        raise ValueError(f"blob scale {a} is not 1/stride")
    return a.denominator, float(b)


def crop_offset(layers: Iterable[Layer]) -> int:
    """Start of the crop that aligns an upsampled blob (scale 1) with the input: its b of `x + b`."""
    return crop_of(coord_map(layers))


def crop_of(m: Map) -> int:
    """The whole, non-negative b of a scale-1 map `x + b`, or ValueError."""
    a, b = m
    if a != 1 or b.denominator != 1 or b < 0:
        raise ValueError(f"blob maps input x to {a}·x + {b}: no whole-pixel crop aligns it")
    return int(b)


def receptive_field(layers: Iterable[Layer]) -> int:
    """Input pixels one output cell sees along an axis: 1 + Σ (extent − 1) × input stride."""
    size, jump = 1, 1
    for layer in layers:
        if layer.kind == "deconv":
            raise ValueError("receptive fields are defined for the downsampling path only")
        size += (layer.extent - 1) * jump
        jump *= layer.stride
    return size


def upsampling_kernel(coarse: Map, factor: int, target: Map = (Fraction(1), Fraction(0))) -> int:
    """Kernel of the bilinear `factor`× deconvolution of a blob mapped by `coarse` whose cells then
    lie a whole number of cells from those of the blob mapped by `target` (the input by default).

    The deconvolution centres its kernel: b ← f·b + (k−1)/2, so of the two bilinear sizes 2f and
    2f − 1 exactly one can fit, whichever makes the half-cell parts agree. REF's VGG16 nets need
    the even 2f (k64, k4), its FCN-AlexNet the odd 63; `ValueError` if neither aligns.
    """
    a, b = coarse
    if a * factor != target[0]:
        raise ValueError(f"upsampling a blob of scale {a} by {factor} does not give scale {target[0]}")
    for kernel in (2 * factor, 2 * factor - 1):
        if (factor * b + Fraction(kernel - 1, 2) - target[1]).denominator == 1:
            return kernel
    raise ValueError(f"no bilinear kernel aligns a blob at {a}·x + {b} upsampled by {factor} "
                     f"with {target[0]}·x + {target[1]}")
