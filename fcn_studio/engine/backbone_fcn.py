"""FCN-32s, -16s and -8s on the other trunks of CVPR Table 1 (AlexNet, GoogLeNet): what they share.

A trunk subclass builds its layers, names them in order along its longest path and says which
blobs it has; this class adds the reference head: `score_fr` (1×1, zero-initialised) on the last
blob, then for each skip blob (coarse to fine, as VGG16's pool4 and pool3) a zero-initialised
`score_<blob>`, a learnable bilinear 2× upsampling of the coarser prediction (`upscore2`, then
`upscore_<blob>` as REF's `upscore_pool4`) and their sum `fuse_<blob>`, and finally a fixed
bilinear `upscore` (32s) / `upscore16` / `upscore8` cropped to the input.

Every kernel size and crop comes from the layers (Caffe coord_map, `geometry.py`) instead of
hand-computed constants: a deconvolution gets the bilinear size 2f or 2f − 1 that puts its cells a
whole number of cells from the blob it meets (REF's FCN-AlexNet k63 is this rule; AlexNet's 2×
steps get k3, GoogLeNet's k4), and a skip is cut to the cells it shares with the upsampled map.
Where the skip starts later than the upsampled map (GoogLeNet, whose trunk has no 100 px input
padding), the upsampled map is the one cut — Caffe's Crop only cuts the skip, which with REF's
padding always reaches further.
"""

from __future__ import annotations

from fractions import Fraction

import torch
from torch import nn

from .fcn import bilinear_deconv, crop, score_layer
from .geometry import Layer, Map, coord_map, crop_of, layers_of, receptive_field, stride_offset, upsampling_kernel


def align(up: torch.Tensor, score: torch.Tensor, shift: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Both maps cut to the cells they share, when cell i of `up` lies on cell i + `shift` of `score`."""
    if shift >= 0:
        score = score[:, :, shift:, shift:]
    else:
        up = up[:, :, -shift:, -shift:]
    h, w = min(up.shape[2], score.shape[2]), min(up.shape[3], score.shape[3])
    return up[:, :, :h, :w], score[:, :, :h, :w]


class BackboneFCN(nn.Module):
    """Shared head of the non-VGG FCNs; subclasses define the trunk, `stride` and `skips`."""

    arch = ""
    backbone = ""
    stride = 32
    last_blob = ""
    skips: tuple[str, ...] = ()  # trunk blobs fused into the prediction, coarse to fine

    def __init__(self, num_classes: int = 21, width: float = 1.0):
        super().__init__()
        if width <= 0:
            raise ValueError(f"width must be positive, got {width}")
        if num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {num_classes}")
        self.width = width
        self.num_classes = num_classes
        channels = self._build_trunk(width)
        self.score_fr = score_layer(channels[self.last_blob], num_classes)
        path = self.trunk_layers() + layers_of([self.score_fr])
        self.receptive_field = receptive_field(path)
        coarse = coord_map(path)
        # Cell j of a blob sits on input pixel stride·(j − offset) (the form of VGG16's BLOB_GEOMETRY).
        self.blob_geometry: dict[str, tuple[int, float]] = {"score_fr": stride_offset(coarse)}
        self.skip_shifts: dict[str, int] = {}
        for i, skip in enumerate(self.skips):
            setattr(self, f"score_{skip}", score_layer(channels[skip], num_classes))
            target = coord_map(self.trunk_layers(skip))
            name = self.upsampling_name(i)
            up = self._add_upsampling(name, coarse, int(target[0] / coarse[0]), target)
            shift = target[1] - up[1]
            self.skip_shifts[skip] = int(shift)
            coarse = (target[0], min(up[1], target[1]))  # the fused map starts where the later of the two does
            self.blob_geometry[name] = stride_offset(up)
            self.blob_geometry[f"score_{skip}"] = self.blob_geometry[f"fuse_{skip}"] = stride_offset(coarse)
        final = self._add_upsampling(self.final_upsampling, coarse, int(1 / coarse[0]))
        getattr(self, self.final_upsampling).weight.requires_grad_(False)  # stays bilinear (CVPR §4.3)
        self.crop_offset = crop_of(final)
        self.blob_geometry[self.final_upsampling] = (1, float(self.crop_offset))
        self.blob_geometry["logits"] = (1, 0.0)

    @property
    def final_upsampling(self) -> str:
        return f"upscore{self.stride}" if self.skips else "upscore"

    def upsampling_name(self, index: int) -> str:
        """REF's names: `upscore2` doubles score_fr, `upscore_<skip>` doubles `fuse_<skip>`."""
        return "upscore2" if index == 0 else f"upscore_{self.skips[index - 1]}"

    def _add_upsampling(self, name: str, coarse: Map, factor: int, target: Map = (Fraction(1), Fraction(0))) -> Map:
        kernel = upsampling_kernel(coarse, factor, target)
        setattr(self, name, bilinear_deconv(self.num_classes, factor, kernel))
        return coord_map([Layer("deconv", kernel, factor)], start=coarse)

    def _build_trunk(self, width: float) -> dict[str, int]:
        """Create the trunk's layers as attributes; return the channels of `last_blob` and the skips."""
        raise NotImplementedError

    def trunk_names(self) -> list[str]:
        """Attribute names of the trunk's modules along its longest path, input to last blob."""
        raise NotImplementedError

    def trunk_path(self, until: str | None = None) -> list[nn.Module]:
        """The trunk's modules in order, up to and including the blob `until` (all by default)."""
        names = self.trunk_names()
        if until is not None:
            names = names[: names.index(until) + 1]
        return [getattr(self, name) for name in names]

    def trunk_layers(self, until: str | None = None) -> list[Layer]:
        return layers_of(self.trunk_path(until))

    def features(self, x: torch.Tensor, keep: tuple[str, ...] = ()) -> dict[str, torch.Tensor]:
        """`last_blob` (fc7 or the last inception output) plus the blobs named in `keep`."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.intermediates(x)["logits"]

    def intermediates(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every score map of one forward pass, coarse to fine, ending with the input-aligned logits."""
        feats = self.features(x, keep=self.skips)
        out = {"score_fr": self.score_fr(feats[self.last_blob])}
        prediction = out["score_fr"]
        for i, skip in enumerate(self.skips):
            up = out[self.upsampling_name(i)] = getattr(self, self.upsampling_name(i))(prediction)
            up, out[f"score_{skip}"] = align(up, getattr(self, f"score_{skip}")(feats[skip]), self.skip_shifts[skip])
            prediction = out[f"fuse_{skip}"] = up + out[f"score_{skip}"]
        final = out[self.final_upsampling] = getattr(self, self.final_upsampling)(prediction)
        out["logits"] = crop(final, self.crop_offset, x.shape[2], x.shape[3])
        return out

