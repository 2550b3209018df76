"""One table of architectures: names, heads, stages, display names, skips and the next stage."""

import pytest
import torch

from fcn_studio.engine import registry
from fcn_studio.engine.alexnet import AlexNetFCN
from fcn_studio.engine.registry import ARCHITECTURES, TRUNKS, architecture_name, at_once_trunks, find, of_trunk


def test_the_table_holds_every_net_of_the_paper_under_refs_names():
    assert list(ARCHITECTURES) == [
        "fcn32s", "fcn16s", "fcn8s", "fcn8s-atonce",
        "alexnet-fcn32s", "alexnet-fcn16s", "alexnet-fcn8s",
        "googlenet-fcn32s", "googlenet-fcn16s", "googlenet-fcn8s",
    ]
    assert registry.HEADS == registry.STAGED_ORDER == ("32s", "16s", "8s")
    assert registry.STAGES == ("32s", "16s", "8s", "atonce")


def test_each_architecture_names_its_head_stage_display_skips_and_next_stage():
    rows = {name: (a.backbone, a.head, a.stage, a.display, a.skips, a.skip_scales, a.next)
            for name, a in ARCHITECTURES.items()}
    assert rows["fcn32s"] == ("vgg16", "32s", "32s", "FCN-32s", (), (), "fcn16s")
    assert rows["fcn16s"] == ("vgg16", "16s", "16s", "FCN-16s", ("pool4",), (), "fcn8s")
    assert rows["fcn8s"] == ("vgg16", "8s", "8s", "FCN-8s", ("pool4", "pool3"), (), "")
    assert rows["fcn8s-atonce"] == ("vgg16", "8s", "atonce", "FCN-8s at-once", ("pool4", "pool3"), (0.01, 0.0001), "")
    assert rows["alexnet-fcn16s"] == ("alexnet", "16s", "16s", "FCN-AlexNet-16s", ("pool2",), (), "alexnet-fcn8s")
    assert rows["googlenet-fcn8s"] == (
        "googlenet", "8s", "8s", "FCN-GoogLeNet-8s", ("inception4e", "inception3b"), (), "")
    assert [a.final_upsampling for a in of_trunk("alexnet")] == ["upscore", "upscore16", "upscore8"]


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_build_makes_the_net_the_row_describes(name):
    arch = ARCHITECTURES[name]
    with torch.device("meta"):
        model = arch.build(num_classes=3, width=0.0625)
    assert isinstance(model, arch.trunk.net)
    assert (model.arch, model.backbone, model.stride, model.skips) == (name, arch.backbone, arch.stride, arch.skips)
    assert model.final_upsampling == arch.final_upsampling and model.num_classes == 3 and model.width == 0.0625


def test_lookups_by_trunk_and_stage():
    assert find("vgg16", "atonce").name == "fcn8s-atonce" and find("alexnet", "16s").name == "alexnet-fcn16s"
    assert find("alexnet", "atonce") is None and find("resnet", "32s") is None
    assert [a.name for a in of_trunk("googlenet")] == ["googlenet-fcn32s", "googlenet-fcn16s", "googlenet-fcn8s"]
    assert of_trunk("resnet") == ()
    assert at_once_trunks() == ("vgg16",)
    assert architecture_name(TRUNKS["vgg16"], 8, at_once=True) == "fcn8s-atonce"
    assert architecture_name(TRUNKS["alexnet"], 32) == "alexnet-fcn32s"
    assert TRUNKS["alexnet"].net is AlexNetFCN and TRUNKS["googlenet"].display == "GoogLeNet"
