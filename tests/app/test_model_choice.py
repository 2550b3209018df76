"""The CLI's default model is the catalog's: the shipped FCN-8s, or the 32s net to shift-and-stitch."""

import pytest

from fcn_studio.app import catalog as catalog_module
from fcn_studio.app import model_choice
from fcn_studio.app.catalog import DEFAULT_MODEL, Catalog
from fcn_studio.app.model_choice import STITCH_MODEL_NAME, pretrained_file, resolve_model
from fcn_studio.errors import WeightFileError


def test_the_cli_and_the_app_start_from_the_same_shipped_model():
    assert DEFAULT_MODEL == "fcn8s"
    assert Catalog().default().path.name == "fcn8s.safetensors"
    assert resolve_model(None).arch == "fcn8s"
    # fcn32s-fixed sorts before fcn32s and is a 32s net too; the name decides, not a prefix
    assert Catalog().default(STITCH_MODEL_NAME).path.name == "fcn32s.safetensors"
    assert resolve_model(None, STITCH_MODEL_NAME).arch == "fcn32s"
    assert resolve_model("fcn16s").arch == "fcn16s"


def test_no_shipped_model_is_a_weight_file_error(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog_module, "models_dir", lambda: tmp_path)
    monkeypatch.setattr(model_choice, "models_dir", lambda: tmp_path)
    with pytest.raises(WeightFileError, match="no model given and none shipped here"):
        resolve_model(None)
    with pytest.raises(WeightFileError, match=r"fcn8s: no such model file \(shipped models: none; `fcn-studio models`"):
        resolve_model("fcn8s")


def test_pretrained_takes_torchvision_trunks_and_sends_the_caffe_one_to_init():
    with pytest.raises(WeightFileError, match=r"vgg16-caffe: expects caffe-voc input.*--init vgg16-caffe"):
        pretrained_file("vgg16-caffe")
    with pytest.raises(WeightFileError, match=r"fcn8s-voc: no such file, nor an ImageNet trunk"):
        pretrained_file("fcn8s-voc")
