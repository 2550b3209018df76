"""FCN-GoogLeNet 32s/16s/8s (CVPR Table 1) from torchvision's GoogLeNet modules.

As the paper: only the final loss layer is kept (no auxiliary classifiers), the final average
pooling is removed, and `score_fr` is a 1×1 convolution on inception5b. The modules are
torchvision's own `BasicConv2d` (conv + batch norm + ReLU) and `Inception`, under torchvision's
names, so its ImageNet state_dicts load key for key. Dropout 0.2 before score_fr is the one
torchvision's classifier has.

Differences from the paper's own GoogLeNet, inherited from torchvision: batch norm after every
conv, the "5×5" branch is 3×3 (torchvision issue #906) and pool4 is 2×2, so the receptive field is
379 px instead of Table 1's 907 (which also counts the removed 7×7 average pooling).

conv1 keeps torchvision's 3 px padding: unlike VGG16's and AlexNet's fc6, nothing after the
trunk is an unpadded convolution, so REF's 100 px input padding is not needed for valid crops —
every input of at least MIN_INPUT px gives logits of its own size (crop 9 from the coord_map),
and the trunk is torchvision's exactly, classifier geometry included.

Skips: inception4e (stride 16) and inception3b (stride 8), the last blobs before maxpool4 and
maxpool3, feed the 16s and 8s heads as VGG16's pool4 and pool3 do. Their cells sit on half
pixels, so the 2× upsamplings are the even k4; without the 100 px padding the upsampled map starts
a cell before the skip and is the one cut (by 1 at each step); final crops 9 / 1 / 1.

Batch norm is frozen (`train()` leaves every BatchNorm2d in eval mode): FCN training runs at batch 1
(REF) on whole images, where a blob's statistics come from one image — at inception5b a few cells,
at a small input one cell, whose variance is zero and which PyTorch refuses to normalise — and
would drift from the ImageNet statistics the trunk was trained with. The running statistics stay
as loaded; the affine scale and shift still learn, as the common fine-tuning practice
(Detectron's FrozenBatchNorm freezes those too). A GoogLeNet trained from scratch here has no
normalisation to speak of; the paper, too, starts it from ImageNet.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models.googlenet import BasicConv2d, Inception

from .fcn import FCN, scaled

INPUT_PAD = 3
MIN_INPUT = 15  # smaller inputs leave a pooling layer with nothing to pool
# torchvision's Inception arguments at width 1: (ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj).
INCEPTIONS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("inception3a", (64, 96, 128, 16, 32, 32)), ("inception3b", (128, 128, 192, 32, 96, 64)),
    ("inception4a", (192, 96, 208, 16, 48, 64)), ("inception4b", (160, 112, 224, 24, 64, 64)),
    ("inception4c", (128, 128, 256, 24, 64, 64)), ("inception4d", (112, 144, 288, 32, 64, 64)),
    ("inception4e", (256, 160, 320, 32, 128, 128)),
    ("inception5a", (256, 160, 320, 32, 128, 128)), ("inception5b", (384, 192, 384, 48, 128, 128)),
)
POOL_AFTER = {"inception3b": "maxpool3", "inception4e": "maxpool4"}


class GoogLeNetFCN(FCN):
    """conv1 … inception5b (frozen batch norm) under the FCN head."""

    backbone = "googlenet"
    last_blob = "inception5b"
    skip_blobs = ("inception4e", "inception3b")

    def _build_trunk(self, width: float) -> dict[str, int]:
        channels = {}
        self.conv1 = BasicConv2d(3, scaled(64, width), kernel_size=7, stride=2, padding=INPUT_PAD)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(scaled(64, width), scaled(64, width), kernel_size=1)
        self.conv3 = BasicConv2d(scaled(64, width), scaled(192, width), kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        in_ch = scaled(192, width)
        for name, chans in INCEPTIONS:
            c1, c3r, c3, c5r, c5, pp = (scaled(c, width) for c in chans)
            setattr(self, name, Inception(in_ch, c1, c3r, c3, c5r, c5, pp))
            in_ch = channels[name] = c1 + c3 + c5 + pp
            if name in POOL_AFTER:
                kernel = 2 if name == "inception4e" else 3
                setattr(self, POOL_AFTER[name], nn.MaxPool2d(kernel, stride=2, ceil_mode=True))
        self.dropout = nn.Dropout(0.2)
        self._init_weights()
        return channels

    def _init_weights(self) -> None:
        """torchvision's GoogLeNet init (truncated normal σ 0.01; batch norm 1, 0)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.trunc_normal_(m.weight, mean=0.0, std=0.01, a=-2, b=2)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def train(self, mode: bool = True) -> "GoogLeNetFCN":
        """Train mode everywhere except batch norm, which keeps its running statistics (see above)."""
        super().train(mode)
        for module in self.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.eval()
        return self

    def trunk_names(self) -> list[str]:
        names = ["conv1", "maxpool1", "conv2", "conv3", "maxpool2"]
        for name, _ in INCEPTIONS:
            names += [name, POOL_AFTER[name]] if name in POOL_AFTER else [name]
        return names

    def features(self, x: torch.Tensor, keep: tuple[str, ...] = ()) -> dict[str, torch.Tensor]:
        if min(x.shape[-2:]) < MIN_INPUT:
            raise ValueError(f"FCN-GoogLeNet needs inputs of at least {MIN_INPUT}×{MIN_INPUT} px, got {tuple(x.shape[-2:])}")
        out: dict[str, torch.Tensor] = {}
        h = x
        for name in self.trunk_names():
            h = getattr(self, name)(h)
            if name in keep:
                out[name] = h
        out[self.last_blob] = self.dropout(h)
        return out

