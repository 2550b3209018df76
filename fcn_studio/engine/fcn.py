"""The FCN head, one implementation for every trunk (CVPR §4.2; REF `voc-fcn*/net.py`).

A trunk subclass builds its layers, names them in order along its longest path and says which of
its blobs a skip can read; this class adds the reference head: `score_fr` (1×1, zero-initialised)
on the last blob, then for each skip blob (coarse to fine, as VGG16's pool4 and pool3) a
zero-initialised `score_<blob>`, a learnable bilinear 2× upsampling of the coarser prediction
(`upscore2`, then `upscore_<blob>` as REF's `upscore_pool4`) and their sum `fuse_<blob>`, and
finally a fixed bilinear `upscore` (32s) / `upscore16` / `upscore8` cropped to the input. Module
attributes carry the reference names, so the state_dict keys are those of the Caffe models and of
pytorch-fcn, and their weight files load with `strict=True`.

Every kernel size and crop comes from the layers (Caffe coord_map, `geometry.py`) instead of
hand-computed constants: a deconvolution gets the bilinear size 2f or 2f − 1 that puts its cells a
whole number of cells from the blob it meets (REF's VGG16 kernels and its FCN-AlexNet k63 are this
rule; AlexNet's 2× steps get k3, GoogLeNet's k4), and a skip is cut to the cells it shares with the
upsampled map (for VGG16 exactly REF's start-aligned crops: the tests hold the derivation to REF's
constants). Where the skip starts later than the upsampled map (GoogLeNet, whose trunk has no 100 px
input padding), the upsampled map is the one cut — Caffe's Crop only cuts the skip, which with REF's
padding always reaches further.

FCN-8s at once (REF `voc-fcn8s-atonce`) is this head with its skip blobs scaled before scoring.
"""

from __future__ import annotations

from fractions import Fraction

import torch
from torch import nn

from .bilinear import PhaseUpsampling, bilinear_weight
from .geometry import Layer, Map, coord_map, crop_of, layers_of, receptive_field, stride_offset, upsampling_kernel


def scaled(channels: int, width: float) -> int:
    """A trunk's channel count at `width` (1.0 is the paper's net; compact nets train on a CPU)."""
    return max(1, int(round(channels * width)))


def crop(x: torch.Tensor, offset: int, height: int, width: int) -> torch.Tensor:
    """Caffe Crop: start `offset` from the top-left, keep the reference blob's size."""
    return x[:, :, offset : offset + height, offset : offset + width]


def align(up: torch.Tensor, score: torch.Tensor, shift: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Both maps cut to the cells they share, when cell i of `up` lies on cell i + `shift` of `score`."""
    if shift >= 0:
        score = score[:, :, shift:, shift:]
    else:
        up = up[:, :, -shift:, -shift:]
    h, w = min(up.shape[2], score.shape[2]), min(up.shape[3], score.shape[3])
    return up[:, :, :h, :w], score[:, :, :h, :w]


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


def final_upsampling_name(stride: int, has_skips: bool) -> str:
    """REF's name of the last upsampling: `upscore` on a 32s net, `upscore16` / `upscore8` after skips."""
    return f"upscore{stride}" if has_skips else "upscore"


def scale_blob(blob: torch.Tensor, factor: float) -> torch.Tensor:
    """`blob` × `factor`, skipped at 1 so that the staged nets do no extra work (and no copy)."""
    return blob if factor == 1.0 else blob * factor


class FCN(nn.Module):
    """The FCN head on a trunk; subclasses define the trunk (`_build_trunk`, `trunk_names`, `features`)."""

    arch = ""  # the registry's name of the net; `build_model` gives every net its own
    backbone = ""  # the registry's name of the trunk
    last_blob = ""
    skip_blobs: tuple[str, ...] = ()  # the trunk's blobs at strides 16 and 8 that skips read, coarse to fine
    # Whether `intermediates` and `blob_geometry` include the final upsampling before its crop to the
    # input: the AlexNet and GoogLeNet nets report it, REF's VGG16 nets their score blobs only.
    reports_final_upsampling = True

    def __init__(self, num_classes: int = 21, width: float = 1.0, skips: tuple[str, ...] = (),
                 skip_scales: tuple[float, ...] = (), arch: str = ""):
        super().__init__()
        if width <= 0:
            raise ValueError(f"width must be positive, got {width}")
        if num_classes < 1:
            raise ValueError(f"num_classes must be at least 1, got {num_classes}")
        if skip_scales and len(skip_scales) != len(skips):
            raise ValueError(f"{len(skip_scales)} skip scales for {len(skips)} skips")
        self.arch = arch or self.arch
        self.width = width
        self.num_classes = num_classes
        self.skips = tuple(skips)
        self.skip_scales = dict(zip(self.skips, skip_scales or (1.0,) * len(self.skips)))
        channels = self._build_trunk(width)
        self.score_fr = score_layer(channels[self.last_blob], num_classes)
        for skip in self.skips:
            setattr(self, f"score_{skip}", score_layer(channels[skip], num_classes))
        path = self.trunk_layers() + layers_of([self.score_fr])
        self.receptive_field = receptive_field(path)
        coarse = coord_map(path)
        # Cell j of a blob sits on input pixel stride·(j − offset).
        self.blob_geometry: dict[str, tuple[int, float]] = {"score_fr": stride_offset(coarse)}
        self.skip_shifts: dict[str, int] = {}
        for i, skip in enumerate(self.skips):
            target = coord_map(self.trunk_layers(skip))
            name = self.upsampling_name(i)
            up = self._add_upsampling(name, coarse, int(target[0] / coarse[0]), target)
            self.skip_shifts[skip] = int(target[1] - up[1])
            coarse = (target[0], min(up[1], target[1]))  # the fused map starts where the later of the two does
            self.blob_geometry[name] = stride_offset(up)
            self.blob_geometry[f"score_{skip}"] = self.blob_geometry[f"fuse_{skip}"] = stride_offset(coarse)
        self.stride = int(1 / coarse[0])
        final = self._add_upsampling(self.final_upsampling, coarse, self.stride)
        getattr(self, self.final_upsampling).weight.requires_grad_(False)  # stays bilinear (CVPR §4.3)
        self.crop_offset = crop_of(final)
        if self.reports_final_upsampling:
            self.blob_geometry[self.final_upsampling] = (1, float(self.crop_offset))
        self.blob_geometry["logits"] = (1, 0.0)

    @property
    def final_upsampling(self) -> str:
        return final_upsampling_name(self.stride, bool(self.skips))

    def upsampling_name(self, index: int) -> str:
        """REF's names: `upscore2` doubles score_fr, `upscore_<skip>` doubles `fuse_<skip>`."""
        return "upscore2" if index == 0 else f"upscore_{self.skips[index - 1]}"

    def _add_upsampling(self, name: str, coarse: Map, factor: int, target: Map = (Fraction(1), Fraction(0))) -> Map:
        kernel = upsampling_kernel(coarse, factor, target)
        setattr(self, name, bilinear_deconv(self.num_classes, factor, kernel))
        return coord_map([Layer("deconv", kernel, factor)], start=coarse)

    def _build_trunk(self, width: float) -> dict[str, int]:
        """Create the trunk's layers as attributes; return the channels of `last_blob` and the skip blobs."""
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
        return self.head(self.features(x, keep=self.skips), x.shape[2], x.shape[3])

    def head(self, blobs: dict[str, torch.Tensor], height: int, width: int) -> dict[str, torch.Tensor]:
        """The score maps from the trunk's blobs (`features`' result) for an input of height × width;
        a separate step so that another trunk pass (engine/padding.py) can feed the same head."""
        maps = {"score_fr": self.score_fr(blobs[self.last_blob])}
        fused = maps["score_fr"]
        for i, skip in enumerate(self.skips):
            upscore = maps[self.upsampling_name(i)] = getattr(self, self.upsampling_name(i))(fused)
            score = getattr(self, f"score_{skip}")(scale_blob(blobs[skip], self.skip_scales[skip]))
            upscore, maps[f"score_{skip}"] = align(upscore, score, self.skip_shifts[skip])
            fused = maps[f"fuse_{skip}"] = upscore + maps[f"score_{skip}"]
        final = getattr(self, self.final_upsampling)
        if isinstance(final, PhaseUpsampling) and not self.reports_final_upsampling:
            maps["logits"] = final.window(fused, self.crop_offset, height, width)  # the kept part only
            return maps
        upscore = final(fused)
        if self.reports_final_upsampling:
            maps[self.final_upsampling] = upscore
        maps["logits"] = crop(upscore, self.crop_offset, height, width)
        return maps
