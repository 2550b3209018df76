"""Bilinear upsampling kernels (REF `surgery.upsample_filt`, PTF `get_upsampling_weight`)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def upsample_filt(size: int) -> torch.Tensor:
    """size×size bilinear kernel; size = 2f − f%2 upsamples by f, and the kernel sums to f²."""
    factor = (size + 1) // 2
    center = factor - 1 if size % 2 == 1 else factor - 0.5
    og = torch.arange(size, dtype=torch.float64)
    filt_1d = 1 - (og - center).abs() / factor
    return (filt_1d[:, None] * filt_1d[None, :]).float()


def bilinear_weight(channels: int, size: int) -> torch.Tensor:
    """ConvTranspose2d weight (C, C, k, k): the kernel on the diagonal, zero elsewhere.

    Class c is upsampled into class c only (REF `surgery.interp` writes only the diagonal).
    """
    weight = torch.zeros(channels, channels, size, size)
    weight[range(channels), range(channels)] = upsample_filt(size)
    return weight


class PhaseUpsampling(nn.Module):
    """A per-class transposed convolution (C → C, groups C, stride s, K×K, no padding) written as
    s² small convolutions, one per output phase, and a pixel shuffle.

    Output pixel s·q + p of a transposed convolution sums x[q − a]·w[p + s·a] over the T = ⌈K/s⌉
    taps a: for each phase p a T-tap convolution of x (padded by T − 1). The same products and sums
    (in another order: within float rounding); runtimes run a convolution and a shuffle many times
    faster than the scatter-add of a transposed convolution (ONNX Runtime: 5.6 ms of the shipped
    FCN-8s's 21 ms went to its final upsampling alone, even per class)."""

    def __init__(self, weight: torch.Tensor, stride: int):
        super().__init__()
        c, one, k, k2 = weight.shape
        if one != 1 or k != k2:
            raise ValueError(f"a per-class square kernel (C, 1, K, K) is needed, got {tuple(weight.shape)}")
        self.stride, self.kernel, self.taps = stride, k, -(-k // stride)
        t = self.taps
        w = F.pad(weight.detach(), (0, t * stride - k, 0, t * stride - k))  # zero taps: exact
        w = w.reshape(c, t, stride, t, stride).permute(0, 2, 4, 1, 3).flip(-1, -2)  # [c, py, px, a, b]
        self.register_buffer("phases", w.reshape(c * stride * stride, 1, t, t).contiguous())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        pad = self.taps - 1
        y = F.conv2d(F.pad(x, (pad, pad, pad, pad)), self.phases, groups=x.shape[1])
        y = F.pixel_shuffle(y, self.stride)
        return y[..., : (h - 1) * self.stride + self.kernel, : (w - 1) * self.stride + self.kernel]

    def window(self, x: torch.Tensor, offset: int, height: int, width: int) -> torch.Tensor:
        """`self(x)[..., offset : offset + height, offset : offset + width]`, computing only the
        output blocks (s × s pixels, one per input cell) the window touches. The final upsampling's
        crop keeps far less than it makes on the images the app sees: a 192² input's upscore8 is
        280², and the 192² kept of it are 25 of its 35 blocks a side."""
        s, pad = self.stride, self.taps - 1
        first, skip = divmod(offset, s)
        rows, cols = (skip + height + s - 1) // s, (skip + width + s - 1) // s
        x = F.pad(x, (pad, pad, pad, pad))[..., first : first + rows + pad, first : first + cols + pad]
        y = F.pixel_shuffle(F.conv2d(x, self.phases, groups=x.shape[1]), s)
        return y[..., skip : skip + height, skip : skip + width]


def per_class(layer: nn.ConvTranspose2d) -> PhaseUpsampling | None:
    """`layer` as a PhaseUpsampling, where it only maps class c onto class c (every off-diagonal
    weight exactly zero, as the fixed final upsampling always is, and an untrained 2× one): the
    terms left out are products with zero. None where it mixes classes or pads. The final
    upsampling was 29 % of the shipped FCN-8s's time in ONNX Runtime as a full C×C deconvolution."""
    w = layer.weight.detach()
    c = w.shape[0]
    plain = (layer.groups == 1 and layer.bias is None and w.shape[1] == c and layer.stride[0] == layer.stride[1]
             and not any(layer.padding) and not any(layer.output_padding) and layer.dilation == (1, 1))
    if not plain:
        return None
    diagonal = w[range(c), range(c)]
    if torch.count_nonzero(w).item() != torch.count_nonzero(diagonal).item():
        return None
    return PhaseUpsampling(diagonal.unsqueeze(1), layer.stride[0])
