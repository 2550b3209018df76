"""FCN-32s on the other trunks of CVPR Table 1 (AlexNet, GoogLeNet): what they share.

A trunk subclass builds its layers and says which modules form its longest path; this class adds
the reference head — `score_fr` (1×1, zero-initialised) on the last blob and a fixed bilinear
`upscore` — and derives the crop that aligns `upscore` with the input from that path (Caffe
coord_map, `geometry.py`), instead of a hand-computed constant.

Both trunks put score_fr's cells on pixels 32·j + c with a whole c, so the upsampling kernel is
the odd 2·32 − 1 = 63 (REF `voc-fcn-alexnet` uses k63, crop 18): an even 64 would leave the crop
half a pixel off. (2·stride − 1 in general, for trunks of another stride.) Skip heads (16s/8s) are not built for these trunks; see each trunk's docstring
for where a skip could attach.
"""

from __future__ import annotations

import torch
from torch import nn

from .fcn import bilinear_deconv, crop, score_layer
from .geometry import Layer, blob_geometry, crop_offset, layers_of, receptive_field


class BackboneFCN32s(nn.Module):
    """Shared head of the non-VGG FCN-32s nets; subclasses define the trunk."""

    arch = ""
    backbone = ""
    stride = 32
    final_upsampling = "upscore"

    def __init__(self, num_classes: int = 21, width: float = 1.0):
        super().__init__()
        if width <= 0:
            raise ValueError(f"width must be positive, got {width}")
        if num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {num_classes}")
        self.width = width
        self.num_classes = num_classes
        channels = self._build_trunk(width)
        self.score_fr = score_layer(channels, num_classes)
        self.upscore = bilinear_deconv(num_classes, self.stride, 2 * self.stride - 1)
        self.upscore.weight.requires_grad_(False)  # the final upsampling stays bilinear (CVPR §4.3)
        path = self.trunk_layers() + layers_of([self.score_fr])
        self.crop_offset = crop_offset(path + layers_of([self.upscore]))
        self.receptive_field = receptive_field(path)
        # Per-architecture BLOB_GEOMETRY: cell j of a blob sits on input pixel stride·(j − offset).
        self.blob_geometry: dict[str, tuple[int, float]] = {
            "score_fr": blob_geometry(path),
            "upscore": (1, float(self.crop_offset)),
            "logits": (1, 0.0),
        }

    def _build_trunk(self, width: float) -> int:
        """Create the trunk's layers as attributes; return the channels of its last blob."""
        raise NotImplementedError

    def trunk_path(self) -> list[nn.Module]:
        """The trunk's modules along its longest path, input to last blob, in order."""
        raise NotImplementedError

    def trunk_layers(self) -> list[Layer]:
        return layers_of(self.trunk_path())

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last blob of the trunk (fc7 or the last inception output)."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.intermediates(x)["logits"]

    def intermediates(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """score_fr, upscore and the input-aligned logits of one forward pass."""
        score_fr = self.score_fr(self.features(x))
        upscore = self.upscore(score_fr)
        return {"score_fr": score_fr, "upscore": upscore,
                "logits": crop(upscore, self.crop_offset, x.shape[2], x.shape[3])}
