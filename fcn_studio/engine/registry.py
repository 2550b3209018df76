"""Every net `build_model` makes, in one table: trunk × stride × at-once (CVPR Tables 1 and 2, REF).

An architecture is a trunk of CVPR Table 1 under the FCN head at an output stride (32, 16, 8:
no skip, the 16-stride skip, both), or FCN-8s at once (REF `voc-fcn8s-atonce`: VGG16 only).
Everything else that lists architectures, stages or heads reads them from here: the CLI's
choices, the recipes' `stage_lr_scale` keys, the stages of a run folder, `next_stage`, the
catalog's display names and the training form's choices.

Names follow REF: VGG16's nets are `fcn32s` … `fcn8s-atonce`, the other trunks' are prefixed
(`alexnet-fcn16s`); display names as the paper's text ("FCN-8s", "FCN-AlexNet-16s").
A *stage* is what a training run trains (32s, 16s, 8s, atonce); a *head* is the output stride a
model has (an at-once net is an 8s head).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from .model_info import GOOGLENET_INPUT, TORCHVISION_INPUT, InputSpec

if TYPE_CHECKING:
    from .fcn import FCN


@dataclass(frozen=True)
class Trunk:
    """A trunk of Table 1: its net class, its name in architecture names and on screen.

    The class is named, and imported on first use, so that the table's names cost no PyTorch:
    the command line offers them as choices before it knows whether it will build a net.
    """

    name: str
    display: str
    net_class: str  # "module.Class" in fcn_studio.engine
    prefix: str  # of its architecture names: "" for the paper's own VGG16, as REF
    imagenet_input: InputSpec  # the input convention of torchvision's ImageNet weights for it
    # The skip scales of FCN-8s at once, coarse to fine; () where REF has no at-once net.
    at_once_scales: tuple[float, ...] = ()

    @property
    def net(self) -> type[FCN]:
        module, _, cls = self.net_class.rpartition(".")
        return getattr(import_module(f".{module}", __package__), cls)


TRUNKS: dict[str, Trunk] = {trunk.name: trunk for trunk in (
    Trunk("vgg16", "VGG16", "vgg.VGG16FCN", "", TORCHVISION_INPUT, at_once_scales=(0.01, 0.0001)),  # REF scale_pool4, _pool3
    Trunk("alexnet", "AlexNet", "alexnet.AlexNetFCN", "alexnet-", TORCHVISION_INPUT),
    Trunk("googlenet", "GoogLeNet", "googlenet.GoogLeNetFCN", "googlenet-", GOOGLENET_INPUT),
)}
STRIDES = (32, 16, 8)  # coarse to fine; each finer stride adds the trunk's next skip blob
HEADS: tuple[str, ...] = tuple(f"{stride}s" for stride in STRIDES)
AT_ONCE = "atonce"
# Staged training goes 32s → 16s → 8s, each stage from the one before (CVPR §4.2); at once in one go.
STAGED_ORDER: tuple[str, ...] = HEADS
STAGES: tuple[str, ...] = (*STAGED_ORDER, AT_ONCE)


@dataclass(frozen=True)
class Architecture:
    """One net of the table, by the names the rest of the program uses for it."""

    name: str  # fcn8s, alexnet-fcn16s, fcn8s-atonce
    trunk: Trunk
    stride: int
    at_once: bool = False

    @property
    def backbone(self) -> str:
        return self.trunk.name

    @property
    def head(self) -> str:
        """32s, 16s or 8s: what the head switch of the app calls it."""
        return f"{self.stride}s"

    @property
    def stage(self) -> str:
        """32s, 16s, 8s or atonce: what a training run calls it."""
        return AT_ONCE if self.at_once else self.head

    @property
    def display(self) -> str:
        trunk = f"{self.trunk.display}-" if self.trunk.prefix else ""
        return f"FCN-{trunk}{self.head}" + (" at-once" if self.at_once else "")

    @property
    def skips(self) -> tuple[str, ...]:
        return self.trunk.net.skip_blobs[: STRIDES.index(self.stride)]

    @property
    def skip_scales(self) -> tuple[float, ...]:
        return self.trunk.at_once_scales if self.at_once else ()

    @property
    def final_upsampling(self) -> str:
        from .fcn import final_upsampling_name

        return final_upsampling_name(self.stride, bool(self.skips))

    @property
    def next(self) -> str:
        """The architecture staged training continues with ("" after 8s and for at-once)."""
        if self.at_once or self.head == STAGED_ORDER[-1]:
            return ""
        return architecture_name(self.trunk, STRIDES[STRIDES.index(self.stride) + 1])

    def build(self, num_classes: int = 21, width: float = 1.0) -> FCN:
        """A freshly initialised net (He-initialised trunk, zero scores, bilinear upsampling)."""
        return self.trunk.net(num_classes, width, skips=self.skips, skip_scales=self.skip_scales, arch=self.name)


def architecture_name(trunk: Trunk, stride: int, at_once: bool = False) -> str:
    return f"{trunk.prefix}fcn{stride}s" + ("-atonce" if at_once else "")


def _table() -> dict[str, Architecture]:
    out = {}
    for trunk in TRUNKS.values():
        variants = [(stride, False) for stride in STRIDES] + ([(STRIDES[-1], True)] if trunk.at_once_scales else [])
        for stride, at_once in variants:
            name = architecture_name(trunk, stride, at_once)
            out[name] = Architecture(name, trunk, stride, at_once)
    return out


ARCHITECTURES: dict[str, Architecture] = _table()


def of_trunk(backbone: str) -> tuple[Architecture, ...]:
    """The nets on one trunk, coarse to fine (at once last)."""
    return tuple(a for a in ARCHITECTURES.values() if a.backbone == backbone)


# The architectures an imported pytorch-fcn or Caffe file may be forced to: REF's own, the VGG16 nets
# (a .pth cannot tell FCN-8s at once from FCN-8s by itself).
IMPORT_ARCHES: tuple[str, ...] = tuple(arch.name for arch in of_trunk("vgg16"))


def find(backbone: str, stage: str) -> Architecture | None:
    """The net a training stage (32s, 16s, 8s, atonce) trains on a trunk; None where REF has none."""
    return next((a for a in of_trunk(backbone) if a.stage == stage), None)


def at_once_trunks() -> tuple[str, ...]:
    """The trunks with an FCN-8s at once (VGG16: REF's only)."""
    return tuple(name for name, trunk in TRUNKS.items() if trunk.at_once_scales)
