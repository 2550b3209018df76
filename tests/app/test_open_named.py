"""The CLI's default model is the catalog's: the shipped FCN-8s, or the 32s net to shift-and-stitch."""

import pytest

from fcn_studio.app import catalog as catalog_module
from fcn_studio.app.catalog import DEFAULT_MODEL, STITCH_MODEL_NAME, Catalog, open_named
from fcn_studio.errors import WeightFileError


def test_the_cli_and_the_app_start_from_the_same_shipped_model():
    assert DEFAULT_MODEL == "fcn8s"
    assert Catalog().default().path.name == "fcn8s.safetensors"
    assert open_named(None).arch == "fcn8s"
    # fcn32s-fixed sorts before fcn32s and is a 32s net too; the name decides, not a prefix
    assert Catalog().default(STITCH_MODEL_NAME).path.name == "fcn32s.safetensors"
    assert open_named(None, STITCH_MODEL_NAME).arch == "fcn32s"
    assert open_named("fcn16s").arch == "fcn16s"


def test_no_shipped_model_is_a_weight_file_error_naming_the_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog_module, "models_dir", lambda: tmp_path)
    with pytest.raises(WeightFileError, match="no model named, and none shipped here") as caught:
        open_named(None)
    assert caught.value.path == str(tmp_path)
    with pytest.raises(WeightFileError, match=r"^fcn8s: no such model file \(shipped models: none\)$"):
        open_named("fcn8s")
