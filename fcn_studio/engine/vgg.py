"""The VGG16 trunk of the FCN, with the paper's layer names as module attributes.

conv1_1 pads by 100 (so every input size gives valid crops, REF FAQ), pools use ceil mode (Caffe
arithmetic), fc6 is a 7×7 convolution without padding and fc7 a 1×1 one. `width` scales every
channel count so that compact nets train on a CPU; width 1.0 is the paper's net.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

# (block, number of convs, channels at width 1.0): VGG16 configuration "D".
VGG16_BLOCKS: tuple[tuple[int, int, int], ...] = ((1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512))
FC_CHANNELS = 4096

CONV_NAMES: tuple[str, ...] = tuple(
    f"conv{block}_{i}" for block, n, _ in VGG16_BLOCKS for i in range(1, n + 1)
)


def scaled(channels: int, width: float) -> int:
    return max(1, int(round(channels * width)))


class VGG16Trunk(nn.Module):
    """conv1_1 … fc7; `features(x)` returns the blobs the heads read (pool3, pool4, fc7)."""

    def __init__(self, width: float = 1.0):
        super().__init__()
        if width <= 0:
            raise ValueError(f"width must be positive, got {width}")
        self.width = width
        in_ch = 3
        for block, n, ch in VGG16_BLOCKS:
            out_ch = scaled(ch, width)
            for i in range(1, n + 1):
                pad = 100 if (block, i) == (1, 1) else 1
                setattr(self, f"conv{block}_{i}", nn.Conv2d(in_ch, out_ch, 3, padding=pad))
                in_ch = out_ch
        fc = scaled(FC_CHANNELS, width)
        self.fc6 = nn.Conv2d(in_ch, fc, 7)
        self.drop6 = nn.Dropout(0.5)
        self.fc7 = nn.Conv2d(fc, fc, 1)
        self.drop7 = nn.Dropout(0.5)
        self.pool_channels = {f"pool{b}": scaled(ch, width) for b, _, ch in VGG16_BLOCKS}
        self.fc_channels = fc
        self._init_weights()

    def _init_weights(self) -> None:
        """He init as torchvision's VGG, for training from scratch; a VGG16 file replaces it."""
        for name in (*CONV_NAMES, "fc6", "fc7"):
            conv = getattr(self, name)
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(conv.bias)

    def features(self, x: torch.Tensor, keep: tuple[str, ...] = ("pool3", "pool4")) -> dict[str, torch.Tensor]:
        """fc7 plus the pools named in `keep`; the others are freed as soon as the next layer ran
        (pool1 alone is ~200 MB for a 1536 px tile)."""
        out: dict[str, torch.Tensor] = {}
        h = x
        for block, n, _ in VGG16_BLOCKS:
            for i in range(1, n + 1):
                h = F.relu(getattr(self, f"conv{block}_{i}")(h), inplace=True)
            h = F.max_pool2d(h, 2, stride=2, ceil_mode=True)
            if f"pool{block}" in keep:
                out[f"pool{block}"] = h
        h = self.drop6(F.relu(self.fc6(h), inplace=True))
        h = self.drop7(F.relu(self.fc7(h), inplace=True))
        out["fc7"] = h
        return out
