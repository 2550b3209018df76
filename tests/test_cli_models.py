"""The CLI's default model is the catalog's: the shipped FCN-8s, or the 32s net to shift-and-stitch."""

import pytest

from fcn_studio.app import catalog as catalog_module
from fcn_studio.app.catalog import DEFAULT_MODEL, Catalog
from fcn_studio.cli import CommandError
from fcn_studio.cli import models as cli_models
from fcn_studio.cli.models import STITCH_MODEL_NAME, resolve_model


def test_the_cli_and_the_app_start_from_the_same_shipped_model():
    assert DEFAULT_MODEL == "fcn8s"
    assert Catalog().default().path.name == "fcn8s.safetensors"
    assert resolve_model(None).arch == "fcn8s"
    # fcn32s-fixed sorts before fcn32s and is a 32s net too; the name decides, not a prefix
    assert Catalog().default(STITCH_MODEL_NAME).path.name == "fcn32s.safetensors"
    assert resolve_model(None, STITCH_MODEL_NAME).arch == "fcn32s"
    assert resolve_model("fcn16s").arch == "fcn16s"


def test_no_shipped_model_is_a_command_error(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog_module, "models_dir", lambda: tmp_path)
    monkeypatch.setattr(cli_models, "models_dir", lambda: tmp_path)
    with pytest.raises(CommandError, match="no model given and none shipped in"):
        resolve_model(None)
    with pytest.raises(CommandError, match=r"fcn8s: no such model file \(shipped models: none\)"):
        resolve_model("fcn8s")
