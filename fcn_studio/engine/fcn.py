"""FCN-32s, FCN-16s, FCN-8s and FCN-8s at-once heads on the VGG16 trunk (REF `voc-fcn*/net.py`).

Module attributes carry the reference names, so the state_dict keys are exactly those of the
Caffe models and of pytorch-fcn, and their weight files load with `strict=True`. Crop offsets are
the reference constants (19; 5, 27; 5, 9, 31): start-aligned crops, not centred ones.
"""

from __future__ import annotations

import torch
from torch import nn

from .bilinear import bilinear_weight
from .vgg import VGG16Trunk

# Where each blob's cell j sits in the input: x = stride · (j − offset) (Caffe coord_map, §1.2 of
# the reference notes). The GUI uses it to lay every internal map over the image where it belongs.
BLOB_GEOMETRY: dict[str, tuple[int, float]] = {
    "score_fr": (32, -0.390625),
    "upscore2": (16, 0.71875),
    "score_pool4": (16, 0.71875),
    "fuse_pool4": (16, 0.71875),
    "upscore_pool4": (8, 2.9375),
    "score_pool3": (8, 2.9375),
    "fuse_pool3": (8, 2.9375),
    "logits": (1, 0.0),
}


def crop(x: torch.Tensor, offset: int, height: int, width: int) -> torch.Tensor:
    """Caffe Crop: start `offset` from the top-left, keep the reference blob's size."""
    return x[:, :, offset : offset + height, offset : offset + width]


def bilinear_deconv(channels: int, factor: int, size: int | None = None) -> nn.ConvTranspose2d:
    """Bias-free transposed conv, bilinear-initialised; kernel 2f − f%2 unless `size` is given
    (an odd 2f − 1 where the trunk's cells sit on whole pixels, as REF's FCN-AlexNet k63)."""
    size = size or 2 * factor - factor % 2
    layer = nn.ConvTranspose2d(channels, channels, size, stride=factor, bias=False)
    with torch.no_grad():
        layer.weight.copy_(bilinear_weight(channels, size))
    return layer


def score_layer(in_channels: int, num_classes: int) -> nn.Conv2d:
    """1×1 score layer, zero-initialised (CVPR §4.3; Caffe's default constant-0 filler)."""
    layer = nn.Conv2d(in_channels, num_classes, 1)
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class FCN(VGG16Trunk):
    """Shared part of every head: the trunk plus `score_fr` on fc7."""

    arch = "fcn"
    backbone = "vgg16"
    last_blob = "fc7"
    stride = 32
    final_upsampling = ""
    blob_geometry = BLOB_GEOMETRY

    def __init__(self, num_classes: int = 21, width: float = 1.0):
        super().__init__(width)
        if num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {num_classes}")
        self.num_classes = num_classes
        self.score_fr = score_layer(self.fc_channels, num_classes)

    def _freeze_final_upsampling(self) -> None:
        """The last upsampling stays fixed bilinear; the inner 2× ones learn (CVPR §4.3)."""
        getattr(self, self.final_upsampling).weight.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.intermediates(x)["logits"]

    def intermediates(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every score map of one forward pass, by reference name, ending with `logits`."""
        feats = self.features(x)
        out = {"score_fr": self.score_fr(feats["fc7"])}
        self._head(feats, out, x.shape[2], x.shape[3])
        return out

    def _head(self, feats: dict[str, torch.Tensor], out: dict[str, torch.Tensor], h: int, w: int) -> None:
        raise NotImplementedError


class FCN32s(FCN):
    arch = "fcn32s"
    stride = 32
    final_upsampling = "upscore"

    def __init__(self, num_classes: int = 21, width: float = 1.0):
        super().__init__(num_classes, width)
        self.upscore = bilinear_deconv(num_classes, 32)
        self._freeze_final_upsampling()

    def _head(self, feats, out, h, w):
        out["logits"] = crop(self.upscore(out["score_fr"]), 19, h, w)


class FCN16s(FCN):
    arch = "fcn16s"
    stride = 16
    final_upsampling = "upscore16"

    def __init__(self, num_classes: int = 21, width: float = 1.0):
        super().__init__(num_classes, width)
        self.score_pool4 = score_layer(self.pool_channels["pool4"], num_classes)
        self.upscore2 = bilinear_deconv(num_classes, 2)
        self.upscore16 = bilinear_deconv(num_classes, 16)
        self._freeze_final_upsampling()

    def _head(self, feats, out, h, w):
        up2 = out["upscore2"] = self.upscore2(out["score_fr"])
        out["score_pool4"] = crop(self.score_pool4(feats["pool4"]), 5, up2.shape[2], up2.shape[3])
        out["fuse_pool4"] = up2 + out["score_pool4"]
        out["logits"] = crop(self.upscore16(out["fuse_pool4"]), 27, h, w)


class FCN8s(FCN):
    arch = "fcn8s"
    stride = 8
    final_upsampling = "upscore8"
    # At-once training scales the pooled features before scoring them (REF voc-fcn8s-atonce).
    pool4_scale = 1.0
    pool3_scale = 1.0

    def __init__(self, num_classes: int = 21, width: float = 1.0):
        super().__init__(num_classes, width)
        self.score_pool4 = score_layer(self.pool_channels["pool4"], num_classes)
        self.score_pool3 = score_layer(self.pool_channels["pool3"], num_classes)
        self.upscore2 = bilinear_deconv(num_classes, 2)
        self.upscore_pool4 = bilinear_deconv(num_classes, 2)
        self.upscore8 = bilinear_deconv(num_classes, 8)
        self._freeze_final_upsampling()

    def _head(self, feats, out, h, w):
        pool4, pool3 = feats["pool4"], feats["pool3"]
        if self.pool4_scale != 1.0:
            pool4, pool3 = pool4 * self.pool4_scale, pool3 * self.pool3_scale
        up2 = out["upscore2"] = self.upscore2(out["score_fr"])
        out["score_pool4"] = crop(self.score_pool4(pool4), 5, up2.shape[2], up2.shape[3])
        out["fuse_pool4"] = up2 + out["score_pool4"]
        up4 = out["upscore_pool4"] = self.upscore_pool4(out["fuse_pool4"])
        out["score_pool3"] = crop(self.score_pool3(pool3), 9, up4.shape[2], up4.shape[3])
        out["fuse_pool3"] = up4 + out["score_pool3"]
        out["logits"] = crop(self.upscore8(out["fuse_pool3"]), 31, h, w)


class FCN8sAtOnce(FCN8s):
    arch = "fcn8s-atonce"
    pool4_scale = 0.01
    pool3_scale = 0.0001


VGG16_ARCHITECTURES: dict[str, type[FCN]] = {
    cls.arch: cls for cls in (FCN32s, FCN16s, FCN8s, FCN8sAtOnce)
}
