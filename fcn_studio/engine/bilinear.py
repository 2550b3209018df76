"""Bilinear upsampling kernels (REF `surgery.upsample_filt`, PTF `get_upsampling_weight`)."""

from __future__ import annotations

import torch


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
