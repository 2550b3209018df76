"""torchvision ImageNet classifiers convolutionalised: the FCN computes exactly the classifier."""

import numpy as np
import pytest
import torch
import torchvision

from fcn_studio import build_model
from fcn_studio.engine import WeightFileError
from fcn_studio.engine.convolutionalise import copy_imagenet, import_imagenet_classifier
from fcn_studio.engine.model_info import GOOGLENET_INPUT, TORCHVISION_INPUT
from fcn_studio.engine.model_info import to_input


@pytest.fixture(scope="module")
def alexnet_file(tmp_path_factory):
    """A randomly initialised torchvision AlexNet (10 classes keeps fc8 small), saved as a .pth."""
    torch.manual_seed(0)
    net = torchvision.models.alexnet(weights=None, num_classes=10).eval()
    path = tmp_path_factory.mktemp("tv") / "alexnet.pth"
    torch.save(net.state_dict(), path)
    return net, path


@pytest.fixture(scope="module")
def googlenet_file(tmp_path_factory):
    torch.manual_seed(0)
    net = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False, num_classes=10).eval()
    with torch.no_grad():  # non-trivial batch-norm statistics, so the buffers must travel too
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
    path = tmp_path_factory.mktemp("tv") / "googlenet.pth"
    torch.save(net.state_dict(), path)
    return net, path


@pytest.mark.slow
def test_alexnet_classifier_equals_the_convolutionalised_net_at_224(alexnet_file):
    """fc6 as a 6×6 conv over pool5 (C-major), fc7/fc8 as 1×1: the single score_fr cell of a 224 px
    input is the classifier's logits. conv1 takes torchvision's 2 px padding for this comparison: with
    REF's 100 px the cells sit 98 px off the classifier's window, not a multiple of the 32 px stride."""
    net, path = alexnet_file
    model = import_imagenet_classifier(path, "alexnet")
    assert model.arch == "alexnet-fcn32s" and model.num_classes == 10 and model.info.input == TORCHVISION_INPUT
    model.conv1.padding = (2, 2)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        score = model.intermediates(x)["score_fr"]
        expected = net(x)
    assert score.shape == (2, 10, 1, 1)
    torch.testing.assert_close(score[:, :, 0, 0], expected, rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_googlenet_classifier_is_the_mean_of_the_score_map(alexnet_file, googlenet_file):
    """No average pooling in the FCN: at 224 px score_fr is 7×7, and its mean is the classifier's
    logits (pooling and the 1×1 score commute). The same net refuses an AlexNet file."""
    net, path = googlenet_file
    model = import_imagenet_classifier(path, "googlenet")
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        score = model.intermediates(x)["score_fr"]
        expected = net(x)
    assert score.shape == (2, 10, 7, 7)
    torch.testing.assert_close(score.mean((2, 3)), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(WeightFileError, match="not a torchvision GoogLeNet"):
        import_imagenet_classifier(alexnet_file[1], "googlenet")
    with pytest.raises(ValueError, match="backbone"):
        import_imagenet_classifier(path, "resnet")


def test_googlenet_input_spec_is_torchvisions_transform_input(googlenet_file):
    """GOOGLENET_INPUT on RGB bytes equals ImageNet normalisation followed by torchvision's transform_input."""
    rgb = np.random.default_rng(0).integers(0, 256, (9, 7, 3), dtype=np.uint8)
    transformed = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False,
                                               transform_input=True)._transform_input(to_input(rgb, TORCHVISION_INPUT))
    torch.testing.assert_close(to_input(rgb, GOOGLENET_INPUT), transformed, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("backbone", ["alexnet", "googlenet"])
def test_copy_imagenet_fills_the_trunk_and_leaves_the_head(backbone, alexnet_file, googlenet_file):
    net, path = {"alexnet": alexnet_file, "googlenet": googlenet_file}[backbone]
    model = build_model(f"{backbone}-fcn32s", num_classes=3)
    copy_imagenet(model, path)
    tv = net.state_dict()
    if backbone == "alexnet":
        assert torch.equal(model.conv4.weight, tv["features.8.weight"])
        assert torch.equal(model.fc6.weight.flatten(1), tv["classifier.1.weight"])
    else:
        assert torch.equal(model.inception4c.branch3[1].bn.running_var, tv["inception4c.branch3.1.bn.running_var"])
    assert model.score_fr.weight.abs().sum() == 0
    assert model.info.input == (TORCHVISION_INPUT if backbone == "alexnet" else GOOGLENET_INPUT)
    with pytest.raises(WeightFileError, match="width"):
        copy_imagenet(build_model(f"{backbone}-fcn32s", width=0.5), path)
