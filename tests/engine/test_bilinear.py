"""The per-class form of an upsampling: the transposed convolution's own products and sums."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from fcn_studio.engine.bilinear import PhaseUpsampling, bilinear_weight, per_class


def diagonal_deconv(channels: int, kernel: int, stride: int, seed: int = 0) -> nn.ConvTranspose2d:
    layer = nn.ConvTranspose2d(channels, channels, kernel, stride=stride, bias=False)
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[range(channels), range(channels)] = torch.randn(channels, kernel, kernel,
                                                                     generator=torch.Generator().manual_seed(seed))
    return layer


@pytest.mark.parametrize("channels, kernel, stride, h, w", [
    (3, 4, 2, 5, 7),  # FCN's learned 2× layers
    (16, 16, 8, 13, 9),  # FCN-8s's final upsampling
    (21, 64, 32, 4, 6),  # FCN-32s's
    (4, 5, 2, 6, 6),  # a kernel that is not a multiple of the stride: zero taps fill it
    (5, 7, 3, 8, 3),
    (2, 3, 2, 1, 1),  # a one-cell map
])
def test_the_per_class_form_gives_the_transposed_convolution(channels, kernel, stride, h, w):
    layer = diagonal_deconv(channels, kernel, stride, seed=kernel)
    x = torch.randn(2, channels, h, w, generator=torch.Generator().manual_seed(h * w))
    with torch.no_grad():
        ref, got = layer(x), per_class(layer)(x)
    assert got.shape == ref.shape == (2, channels, (h - 1) * stride + kernel, (w - 1) * stride + kernel)
    assert (got - ref).abs().max() <= 1e-6 * ref.abs().max()  # the same products, summed in another order


def test_the_bilinear_upsampling_of_an_fcn_is_one_kernel_per_class():
    layer = nn.ConvTranspose2d(21, 21, 16, stride=8, bias=False)
    with torch.no_grad():
        layer.weight.copy_(bilinear_weight(21, 16))
    form = per_class(layer)
    assert isinstance(form, PhaseUpsampling) and form.taps == 2
    assert tuple(form.phases.shape) == (21 * 8 * 8, 1, 2, 2)
    # Phase (py, px) of class c holds the kernel's taps w[py + 8a, px + 8b], flipped for a correlation.
    w = bilinear_weight(21, 16)[4, 4]
    assert torch.equal(form.phases[4 * 64 + 3 * 8 + 5, 0], torch.tensor([[w[11, 13], w[11, 5]], [w[3, 13], w[3, 5]]]))
    x = torch.rand(1, 21, 5, 4)
    assert torch.allclose(form(x), F.conv_transpose2d(x, layer.weight, stride=8), atol=1e-6)


def test_upsamplings_that_mix_classes_or_pad_keep_their_form():
    mixing = diagonal_deconv(3, 4, 2)
    with torch.no_grad():
        mixing.weight[0, 1, 2, 2] = 0.01  # a trained 2× layer lets class 0 feed class 1
    padded = nn.ConvTranspose2d(3, 3, 4, stride=2, padding=1, bias=False)
    biased = nn.ConvTranspose2d(3, 3, 4, stride=2, bias=True)
    assert per_class(mixing) is None and per_class(padded) is None and per_class(biased) is None
    with pytest.raises(ValueError, match="per-class square kernel"):
        PhaseUpsampling(torch.zeros(3, 3, 4, 4), 2)


@pytest.mark.parametrize("kernel, stride, h, offset, height", [
    (16, 8, 34, 31, 192),  # FCN-8s at 192²: 25 of the 35 blocks a side
    (16, 8, 5, 0, 48),  # from the first pixel to the last
    (16, 8, 5, 9, 1),  # one pixel inside a block
    (64, 32, 7, 19, 192),  # FCN-32s
    (5, 2, 6, 3, 8),  # zero taps fill the kernel
    (4, 2, 1, 1, 2),  # a one-cell map
])
def test_the_window_is_the_crop_of_the_whole_upsampling(kernel, stride, h, offset, height):
    layer = per_class(diagonal_deconv(3, kernel, stride, seed=kernel))
    width = max(1, height - 3)  # not square: rows and columns are windowed apart
    x = torch.randn(2, 3, h, h + 1, generator=torch.Generator().manual_seed(h))
    with torch.no_grad():
        whole = layer(x)[..., offset : offset + height, offset : offset + width]
        got = layer.window(x, offset, height, width)
    assert got.shape == whole.shape == (2, 3, height, width)
    assert torch.equal(got, whole)  # the same convolution, on the blocks kept only
