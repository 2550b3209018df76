"""Training FCN-AlexNet and FCN-GoogLeNet as VGG16 is trained: staged, from ImageNet files, resumable."""

import json
import logging
import math

import pytest
import torch
import torchvision
from torch import nn

from fcn_studio.cli import main
from fcn_studio.data import open_dataset
from fcn_studio.engine import GOOGLENET_INPUT, TORCHVISION_INPUT, load_model, read_info
from fcn_studio.training import CancelToken, RecipeError, StepDone, TrainConfig, resume, save_recipe, stage_model, train
from fcn_studio.training.run_folder import CONFIG, STAGE_CHOICES, read_config, stage_arch

from .conftest import quick_recipe

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

WIDTH = 0.0625


def config(root, out, backbone, stage="32s", **recipe_changes):
    return TrainConfig(data=str(root), out=str(out), recipe=quick_recipe(**recipe_changes), stage=stage,
                       width=WIDTH, seed=3, backbone=backbone)


@pytest.fixture(scope="module")
def alexnet_run(colour_set, tmp_path_factory):
    """`fcn-studio train --stage staged --backbone alexnet` at width 1/16, 3 updates per stage."""
    tmp = tmp_path_factory.mktemp("alexnet")
    recipe = save_recipe(quick_recipe(iterations=3, eval_every=3), tmp / "r.toml")
    run = tmp / "run"
    code = main(["train", "--data", str(colour_set), "--out", str(run), "--recipe", str(recipe), "--width", str(WIDTH),
                 "--stage", "staged", "--backbone", "alexnet"])
    return code, run


def test_staged_alexnet_run_trains_alexnet_32s_16s_8s(alexnet_run, capsys):
    code, run = alexnet_run
    assert code == 0
    assert json.loads((run / CONFIG).read_text())["backbone"] == "alexnet"
    for stage in ("32s", "16s", "8s"):
        info = read_info(run / stage / "best.safetensors")
        assert (info.arch, info.notes["stage"], info.input) == (f"alexnet-fcn{stage}", stage, TORCHVISION_INPUT)
    assert read_info(run / "16s" / "best.safetensors").notes["init"].endswith("32s/best.safetensors")


def test_alexnet_16s_starts_from_the_best_32s(alexnet_run, colour_set):
    _, run = alexnet_run
    best32 = load_model(run / "32s" / "best.safetensors")
    init = str(run / "32s" / "best.safetensors")
    m16 = stage_model(read_config(run), "16s", open_dataset(colour_set, "train"), init=init)
    assert m16.arch == "alexnet-fcn16s"
    for name in ("conv1.weight", "conv5.bias", "fc6.weight", "fc7.weight", "score_fr.weight", "score_fr.bias"):
        assert torch.equal(m16.state_dict()[name], best32.state_dict()[name]), name
    assert best32.score_fr.weight.any() and not m16.score_pool2.weight.any()  # the new skip starts at zero


def test_the_init_models_trunk_wins_over_the_configs(alexnet_run, colour_set, tmp_path, caplog):
    _, run = alexnet_run
    vgg_config = TrainConfig(data=str(colour_set), out=str(tmp_path / "r"), recipe=quick_recipe(), width=WIDTH)
    with caplog.at_level(logging.INFO, logger="fcn_studio.training.stages"):
        model = stage_model(vgg_config, "8s", open_dataset(colour_set, "train"),
                            init=str(run / "16s" / "best.safetensors"))
    assert model.arch == "alexnet-fcn8s"
    assert any("backbone alexnet taken from the init model" in r.message and "config said vgg16" in r.message
               for r in caplog.records)
    with pytest.raises(RecipeError, match="VGG16 only"):
        stage_model(TrainConfig(data=str(colour_set), out=str(tmp_path / "a"), stage="atonce", width=WIDTH), "atonce",
                    open_dataset(colour_set, "train"), init=str(run / "32s" / "best.safetensors"))


def batch_norm_buffers(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v for k, v in model.state_dict().items() if ".bn.running_" in k or ".bn.num_batches" in k}


def test_googlenet_32s_learns_with_its_batch_norm_frozen(colour_set, tmp_path):
    cfg = config(colour_set, tmp_path / "goog", "googlenet", iterations=4, eval_every=4)
    fresh = stage_model(cfg, "32s", open_dataset(colour_set, "train"))
    events = []
    [result] = train(cfg, on_event=events.append)
    losses = [e.loss for e in events if isinstance(e, StepDone)]
    assert result.status == "done" and len(losses) == 4 and all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0]
    best = load_model(result.best_model)
    assert (best.arch, best.info.input) == ("googlenet-fcn32s", GOOGLENET_INPUT)
    frozen = batch_norm_buffers(best)
    assert len(frozen) == 3 * 57  # mean, var and count of each of GoogLeNet's 57 batch norms
    assert all(torch.equal(v, batch_norm_buffers(fresh)[k]) for k, v in frozen.items())  # statistics untouched
    # while the affine shift learned (near the head: from scratch the gradient vanishes towards conv1)
    assert not torch.equal(best.inception5b.branch1.bn.bias, fresh.inception5b.branch1.bn.bias)


def torchvision_state(model: nn.Module, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random tensors under a torchvision ImageNet classifier's own key names and shapes."""
    g = torch.Generator().manual_seed(seed)
    return {k: torch.rand(v.shape, generator=g) + 0.5 if k.endswith("running_var")
            else torch.randn(v.shape, generator=g) * 0.01
            for k, v in model.state_dict().items() if v.is_floating_point()}


def test_pretrained_alexnet_file_initialises_the_trunk(colour_set, tmp_path):
    with torch.device("meta"):  # the names and shapes only: no 61 M parameter init
        tv = torchvision.models.alexnet()
    state = torchvision_state(tv)
    torch.save(state, tmp_path / "alexnet.pth")
    cfg = TrainConfig(data=str(colour_set), out=str(tmp_path / "r"), backbone="alexnet",
                      pretrained=str(tmp_path / "alexnet.pth"))
    model = stage_model(cfg, "32s", open_dataset(colour_set, "train"))
    assert model.arch == "alexnet-fcn32s" and model.info.input == TORCHVISION_INPUT
    assert torch.equal(model.conv1.weight, state["features.0.weight"])
    assert torch.equal(model.fc6.weight, state["classifier.1.weight"].reshape(4096, 256, 6, 6))
    assert not model.score_fr.weight.any()  # ImageNet's fc8 is not a score layer for these classes


def test_pretrained_googlenet_file_brings_its_input_convention(colour_set, tmp_path):
    tv = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    state = torchvision_state(tv)
    torch.save(state, tmp_path / "googlenet.pth")
    cfg = TrainConfig(data=str(colour_set), out=str(tmp_path / "r"), backbone="googlenet",
                      pretrained=str(tmp_path / "googlenet.pth"))
    model = stage_model(cfg, "16s", open_dataset(colour_set, "train"))
    assert model.arch == "googlenet-fcn16s" and model.info.input == GOOGLENET_INPUT
    assert torch.equal(model.conv1.conv.weight, state["conv1.conv.weight"])
    assert torch.equal(model.inception5b.branch4[1].bn.running_var, state["inception5b.branch4.1.bn.running_var"])


def test_a_pretrained_file_of_another_trunk_is_refused(colour_set, tmp_path, capsys):
    tv = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    torch.save(torchvision_state(tv), tmp_path / "googlenet.pth")
    assert main(["train", "--data", str(colour_set), "--out", str(tmp_path / "r"), "--width", "1",
                 "--backbone", "alexnet", "--pretrained", str(tmp_path / "googlenet.pth")]) == 1
    assert "not a torchvision AlexNet state_dict" in capsys.readouterr().err


def test_backbone_choices_and_at_once_are_checked(colour_set, tmp_path, capsys):
    with pytest.raises(RecipeError, match="backbone must be one of vgg16, alexnet, googlenet"):
        TrainConfig(data="d", out="o", backbone="resnet50")
    with pytest.raises(RecipeError, match="FCN-8s at once exists for VGG16 only, not alexnet"):
        TrainConfig(data="d", out="o", stage="atonce", backbone="alexnet")
    assert TrainConfig(data="d", out="o", stage="atonce").backbone == "vgg16"
    args = ["train", "--data", str(colour_set), "--out", str(tmp_path / "r")]
    assert main([*args, "--stage", "atonce", "--backbone", "googlenet"]) == 1
    assert "VGG16 only, not googlenet" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_an_old_run_without_backbone_resumes_as_vgg16(colour_set, tmp_path):
    run = tmp_path / "old"
    token = CancelToken()
    cfg = TrainConfig(data=str(colour_set), out=str(run), recipe=quick_recipe(iterations=4, eval_every=4), width=WIDTH)
    [stopped] = train(cfg, on_event=lambda e: token.cancel() if isinstance(e, StepDone) and e.iteration == 2 else None,
                      cancel=token)
    assert stopped.status == "cancelled"
    old = json.loads((run / CONFIG).read_text())
    del old["backbone"], old["pretrained"]
    (run / CONFIG).write_text(json.dumps({**old, "vgg16": ""}))  # as runs were written before backbones
    assert (read_config(run).backbone, read_config(run).pretrained) == ("vgg16", "")
    [resumed] = resume(run)
    assert resumed.status == "done" and resumed.iteration == 4 and read_info(resumed.best_model).arch == "fcn32s"


def test_stage_arch_names_each_stages_net_from_the_registry():
    assert STAGE_CHOICES == ("32s", "16s", "8s", "staged", "atonce")
    assert [stage_arch("vgg16", s) for s in ("32s", "16s", "8s", "atonce")] == ["fcn32s", "fcn16s", "fcn8s", "fcn8s-atonce"]
    assert stage_arch("googlenet", "16s") == "googlenet-fcn16s"
    with pytest.raises(RecipeError, match="no staged net on the vgg16 trunk; stages are 32s, 16s, 8s, atonce"):
        stage_arch("vgg16", "staged")
