"""The VGG16 trunk of the paper's FCNs (REF `voc-fcn*`), with its layer names as module attributes.

conv1_1 pads by 100 (so every input size gives valid crops, REF FAQ), pools use ceil mode (Caffe
arithmetic), fc6 is a 7×7 convolution without padding and fc7 a 1×1 one, dropout 0.5 after both.
`width` scales every channel count so that compact nets train on a CPU; width 1.0 is the paper's
net. Skips: pool4 (stride 16) and pool3 (stride 8), the blobs of REF's FCN-16s and FCN-8s.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from .fcn import FCN, scaled

# (block, number of convs, channels at width 1.0): VGG16 configuration "D".
VGG16_BLOCKS: tuple[tuple[int, int, int], ...] = ((1, 2, 64), (2, 2, 128), (3, 3, 256), (4, 3, 512), (5, 3, 512))
FC_CHANNELS = 4096

CONV_NAMES: tuple[str, ...] = tuple(
    f"conv{block}_{i}" for block, n, _ in VGG16_BLOCKS for i in range(1, n + 1)
)


class VGG16FCN(FCN):
    """conv1_1 … fc7 under the FCN head."""

    backbone = "vgg16"
    last_blob = "fc7"
    skip_blobs = ("pool4", "pool3")
    # REF's VGG16 nets report their score blobs (score_fr … fuse_pool3) and the logits, no more.
    reports_final_upsampling = False

    def _build_trunk(self, width: float) -> dict[str, int]:
        channels = {}
        in_ch = 3
        for block, n, ch in VGG16_BLOCKS:
            out_ch = scaled(ch, width)
            for i in range(1, n + 1):
                pad = 100 if (block, i) == (1, 1) else 1
                setattr(self, f"conv{block}_{i}", nn.Conv2d(in_ch, out_ch, 3, padding=pad))
                in_ch = out_ch
            setattr(self, f"pool{block}", nn.MaxPool2d(2, stride=2, ceil_mode=True))
            channels[f"pool{block}"] = out_ch
        fc = scaled(FC_CHANNELS, width)
        self.fc6 = nn.Conv2d(in_ch, fc, 7)
        self.drop6 = nn.Dropout(0.5)
        self.fc7 = nn.Conv2d(fc, fc, 1)
        self.drop7 = nn.Dropout(0.5)
        self._init_weights()
        return {**channels, "fc7": fc}

    def _init_weights(self) -> None:
        """He init as torchvision's VGG, for training from scratch; a VGG16 file replaces it."""
        for name in (*CONV_NAMES, "fc6", "fc7"):
            conv = getattr(self, name)
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(conv.bias)

    def trunk_names(self) -> list[str]:
        names: list[str] = []
        for block, n, _ in VGG16_BLOCKS:
            names += [f"conv{block}_{i}" for i in range(1, n + 1)] + [f"pool{block}"]
        return names + ["fc6", "fc7"]

    def features(self, x: torch.Tensor, keep: tuple[str, ...] = ()) -> dict[str, torch.Tensor]:
        """fc7 plus the pools named in `keep`; the others are freed as soon as the next layer ran
        (pool1 alone is ~200 MB for a 1536 px tile)."""
        out: dict[str, torch.Tensor] = {}
        h = x
        for block, n, _ in VGG16_BLOCKS:
            for i in range(1, n + 1):
                h = F.relu(getattr(self, f"conv{block}_{i}")(h), inplace=True)
            h = getattr(self, f"pool{block}")(h)
            if f"pool{block}" in keep:
                out[f"pool{block}"] = h
        h = self.drop6(F.relu(self.fc6(h), inplace=True))
        out["fc7"] = self.drop7(F.relu(self.fc7(h), inplace=True))
        return out
