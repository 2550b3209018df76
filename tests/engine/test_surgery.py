import pytest
import torch

from fcn_studio import build_model
from fcn_studio.engine.bilinear import bilinear_weight
from fcn_studio.engine import WeightFileError, copy_imagenet, next_stage, transplant
from fcn_studio.engine.convolutionalise import VGG16_FEATURE_INDICES, vgg16_to_fcn_state

from tests.compact_models import compact_model

from .test_fcn import randomised


def fake_torchvision_vgg16(width):
    """torchvision's vgg16 state_dict layout (keys, C-major classifier) at a reduced width."""
    chans = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
    fc = int(4096 * width)
    sd, in_ch = {}, 3
    for idx, c in zip(VGG16_FEATURE_INDICES, chans):
        c = int(c * width)
        sd[f"features.{idx}.weight"] = torch.randn(c, in_ch, 3, 3)
        sd[f"features.{idx}.bias"] = torch.randn(c)
        in_ch = c
    sd["classifier.0.weight"] = torch.randn(fc, in_ch * 49)
    sd["classifier.0.bias"] = torch.randn(fc)
    sd["classifier.3.weight"] = torch.randn(fc, fc)
    sd["classifier.3.bias"] = torch.randn(fc)
    sd["classifier.6.weight"] = torch.randn(1000, fc)
    sd["classifier.6.bias"] = torch.randn(1000)
    return sd


def test_torchvision_vgg16_keys_are_the_ones_we_map():
    import torchvision

    with torch.device("meta"):
        keys = set(torchvision.models.vgg16().state_dict())
    mapped = {f"features.{i}.{k}" for i in VGG16_FEATURE_INDICES for k in ("weight", "bias")}
    assert mapped | {"classifier.0.weight", "classifier.3.weight"} <= keys


def test_copy_imagenet_convolutionalises_vgg16_fc6_as_the_classifier(tmp_path):
    vgg = fake_torchvision_vgg16(0.0625)
    path = tmp_path / "vgg16.pth"
    torch.save(vgg, path)
    model = build_model("fcn32s", num_classes=3, width=0.0625)
    copy_imagenet(model, path)
    assert torch.equal(model.conv3_2.weight, vgg["features.12.weight"])
    pool5 = torch.randn(1, 32, 7, 7)
    with torch.no_grad():
        conv = model.fc6(pool5).flatten()
        linear = torch.nn.functional.linear(pool5.flatten(1), vgg["classifier.0.weight"], vgg["classifier.0.bias"])[0]
    torch.testing.assert_close(conv, linear, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(model.fc7.weight[:, :, 0, 0], vgg["classifier.3.weight"])
    assert model.score_fr.weight.abs().sum() == 0


def test_copy_imagenet_vgg16_errors_name_the_file(tmp_path):
    model = build_model("fcn32s", num_classes=3, width=0.0625)
    with pytest.raises(WeightFileError, match="vgg16.pth: no such file"):
        copy_imagenet(model, tmp_path / "vgg16.pth")
    resnet = tmp_path / "resnet.pth"
    torch.save({"conv1.weight": torch.zeros(1)}, resnet)
    with pytest.raises(WeightFileError, match="resnet.pth: not a torchvision VGG16"):
        copy_imagenet(model, resnet)
    wide = tmp_path / "wide.pth"
    torch.save(fake_torchvision_vgg16(0.125), wide)
    with pytest.raises(WeightFileError, match="wide.pth: conv1_1.weight has shape"):
        copy_imagenet(model, wide)


def test_vgg16_state_rejects_wrong_classifier():
    vgg = fake_torchvision_vgg16(0.0625)
    vgg["classifier.0.weight"] = torch.zeros(256, 10)
    with pytest.raises(WeightFileError, match="classifier.0"):
        vgg16_to_fcn_state(vgg, "x.pth")


def test_staged_surgery_32s_to_16s_to_8s():
    fcn32 = randomised("fcn32s", num_classes=4)
    fcn16 = next_stage(fcn32)
    assert fcn16.arch == "fcn16s" and fcn16.info.arch == "fcn16s"
    assert torch.equal(fcn16.fc7.weight, fcn32.fc7.weight) and torch.equal(fcn16.score_fr.bias, fcn32.score_fr.bias)
    assert fcn16.score_pool4.weight.abs().sum() == 0  # starts from the 32s predictions
    fcn16.score_pool4.weight.data.normal_()
    fcn16.upscore2.weight.data.mul_(1.5)
    fcn8 = next_stage(fcn16)
    assert torch.equal(fcn8.score_pool4.weight, fcn16.score_pool4.weight)
    assert torch.equal(fcn8.upscore2.weight, fcn16.upscore2.weight)  # PTF copies upscore2 too
    assert fcn8.score_pool3.weight.abs().sum() == 0
    with pytest.raises(ValueError, match="no next stage"):
        next_stage(fcn8)


def test_16s_from_32s_starts_from_nearly_the_same_predictions():
    fcn32 = randomised("fcn32s", num_classes=4)
    fcn32.upscore.weight.data.copy_(bilinear_weight(4, 64))
    fcn16 = next_stage(fcn32).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        same = (fcn32.eval()(x).argmax(1) == fcn16(x).argmax(1)).float().mean().item()
    assert same > 0.9


def test_transplant_reports_what_it_copied():
    a, b = randomised("fcn8s", num_classes=4), build_model("fcn16s", num_classes=4, width=0.0625)
    copied = transplant(a, b)
    assert set(copied) == set(b.state_dict()) - {"upscore16.weight"}


@pytest.mark.parametrize("arch", ["fcn32s", "fcn8s"])
def test_widen_keeps_the_function_with_every_channel_active(arch):
    from fcn_studio.engine.surgery import widen

    model = compact_model(arch, seed=4).eval()
    wide = widen(model, 4 * model.width)
    assert wide.width == 4 * model.width and wide.info.class_names == model.info.class_names
    assert wide.conv1_1.weight.shape[0] == 4 * model.conv1_1.weight.shape[0]
    assert all(torch.count_nonzero(p.abs().sum(dim=tuple(range(1, p.dim())))) == p.shape[0]
               for n, p in wide.named_parameters() if n.startswith("conv") and n.endswith("weight"))
    x = torch.randn(1, 3, 48, 40, generator=torch.Generator().manual_seed(0)) * 40
    with torch.no_grad():
        torch.testing.assert_close(wide(x), model(x), rtol=1e-4, atol=1e-4)


def test_widen_refuses_a_width_that_is_not_a_whole_multiple():
    from fcn_studio.engine.surgery import widen

    model = compact_model("fcn32s")
    with pytest.raises(ValueError, match="not a whole multiple"):
        widen(model, 1.5 * model.width)
