"""What Help says: versions of what is installed, real places, the README of a checkout (#30 item 10)."""

from importlib import metadata

import torch

from fcn_studio.app import about
from fcn_studio.engine.backends.cache import CACHE_ENV
from fcn_studio.paths import models_dir


def test_versions_are_the_installed_ones():
    found = about.versions()
    assert list(found) == ["fcn-studio", "torch", "PySide6", "onnxruntime"]
    assert found["torch"] == torch.__version__.split("+")[0] and found["fcn-studio"] == metadata.version("fcn-studio")
    assert found["PySide6"][0].isdigit()  # found under whichever distribution installed it


def test_a_package_that_is_not_installed_says_so(monkeypatch):
    monkeypatch.setattr(about, "PACKAGES", {"fcn-studio": ("fcn-studio",), "gone": ("no-such-package-here",)})
    assert about.versions()["gone"] == "not installed"


def test_places_name_the_folders_the_program_uses(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    places = about.places("/home/u/.config/fcn-studio/fcn-studio.conf")
    assert places["shipped models"] == models_dir() and places["runtime cache (exported graphs)"] == tmp_path / "cache"
    assert places["settings"] == "/home/u/.config/fcn-studio/fcn-studio.conf"


def test_the_readme_of_a_checkout_is_found():
    path = about.readme()
    assert path is not None and path.name == "README.md" and "## The app" in path.read_text()
