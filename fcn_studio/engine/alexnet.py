"""FCN-AlexNet 32s/16s/8s (CVPR Table 1; REF `voc-fcn-alexnet`) on torchvision's AlexNet layout.

Layer names are REF's (conv1 … conv5, pool1/2/5, fc6, fc7, score_fr, upscore). The channels are
torchvision's (64, 192, 384, 256, 256; no groups, no LRN) so its ImageNet state_dicts convert
1:1; REF's CaffeNet has 96/256/384/384/256 with groups and LRN, so REF's fcn-alexnet caffemodel
does not fit. Both are 57M parameters as convolutionalised nets (Table 1).

As REF: conv1 pads the input by 100 (any input size then yields a valid crop), pools use Caffe's
ceil arithmetic, fc6 is a 6×6 convolution without padding over pool5 (torchvision's classifier
reads a 6×6 pool5), fc7 1×1, dropout 0.5 after both. REF's crop 18 falls out of the coord_map.

Skips: pool2 (stride 16) and pool1 (stride 8) feed the 16s and 8s heads as VGG16's pool4 and
pool3 do (REF ships only the 32s net; the heads follow its VGG16 skip nets). AlexNet's cells sit on
whole pixels, so its 2× upsamplings are the odd k3 and the crops come out as 5 (pool2), 10 (pool1)
and 18 (final, for all three).
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from .fcn import FCN, scaled

# (name, channels at width 1, kernel, stride, padding); conv1's padding is REF's 100, not torchvision's 2.
ALEXNET_CONVS: tuple[tuple[str, int, int, int, int], ...] = (
    ("conv1", 64, 11, 4, 100), ("conv2", 192, 5, 1, 2), ("conv3", 384, 3, 1, 1),
    ("conv4", 256, 3, 1, 1), ("conv5", 256, 3, 1, 1),
)
POOL_AFTER = {"conv1": "pool1", "conv2": "pool2", "conv5": "pool5"}
FC_CHANNELS = 4096
FC6_KERNEL = 6


class AlexNetFCN(FCN):
    """conv1 … fc7 under the FCN head."""

    backbone = "alexnet"
    last_blob = "fc7"
    skip_blobs = ("pool2", "pool1")

    def _build_trunk(self, width: float) -> dict[str, int]:
        channels = {}
        in_ch = 3
        for name, ch, kernel, stride, pad in ALEXNET_CONVS:
            setattr(self, name, nn.Conv2d(in_ch, scaled(ch, width), kernel, stride=stride, padding=pad))
            in_ch = scaled(ch, width)
            if name in POOL_AFTER:
                setattr(self, POOL_AFTER[name], nn.MaxPool2d(3, stride=2, ceil_mode=True))
                channels[POOL_AFTER[name]] = in_ch
        fc = scaled(FC_CHANNELS, width)
        self.fc6 = nn.Conv2d(in_ch, fc, FC6_KERNEL)
        self.drop6 = nn.Dropout(0.5)
        self.fc7 = nn.Conv2d(fc, fc, 1)
        self.drop7 = nn.Dropout(0.5)
        for conv in (*(getattr(self, c[0]) for c in ALEXNET_CONVS), self.fc6, self.fc7):
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(conv.bias)
        return {**channels, "fc7": fc}

    def trunk_names(self) -> list[str]:
        names: list[str] = []
        for name, *_ in ALEXNET_CONVS:
            names += [name, POOL_AFTER[name]] if name in POOL_AFTER else [name]
        return names + ["fc6", "fc7"]

    def features(self, x: torch.Tensor, keep: tuple[str, ...] = ()) -> dict[str, torch.Tensor]:
        out: dict[str, torch.Tensor] = {}
        h = x
        for name, *_ in ALEXNET_CONVS:
            h = F.relu(getattr(self, name)(h), inplace=True)
            if name in POOL_AFTER:
                h = getattr(self, POOL_AFTER[name])(h)
                if POOL_AFTER[name] in keep:
                    out[POOL_AFTER[name]] = h
        h = self.drop6(F.relu(self.fc6(h), inplace=True))
        out["fc7"] = self.drop7(F.relu(self.fc7(h), inplace=True))
        return out

