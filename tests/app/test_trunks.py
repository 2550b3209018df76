"""The catalogue's trunks as starts: a round on the annotations from a trunk served by a local
server (downloaded first, then fine-tuned on the project's classes), and the shown model by default."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

from fcn_studio.app.annotate.jobs import RoundJob
from fcn_studio.app.annotate.training import INIT_MODEL, AnnotationTraining
from fcn_studio.app.downloads.install import converted_path
from fcn_studio.app.downloads.trunks import (NOT_HERE_LABEL, short_title, start_file, trunk_choices, trunk_download,
                                             trunk_file)
from fcn_studio.engine import load_model
from fcn_studio.errors import RecipeError
from tests.app.annotate.test_training import project  # noqa: F401  (the painted project fixture)
from tests.app.download_server import FileServer, isolate_downloads
from tests.app.draining import drain
from tests.app.test_downloads import entry_for, vgg_trunk_file


@pytest.fixture
def served(tmp_path, monkeypatch):
    isolate_downloads(tmp_path, monkeypatch)
    trunk, body = vgg_trunk_file(seed=5)
    with FileServer() as server:
        server.files["/vgg.pth"] = body
        server.trunk = trunk
        server.entry = entry_for(tmp_path, [server.url("/vgg.pth")], f"md5:{hashlib.md5(body).hexdigest()}",
                                 arch="fcn32s", classes=1000, fmt="torchvision", kind="trunk", name="vgg-lab",
                                 file_name="vgg.pth")
        yield server


def test_trunks_of_the_same_short_title_are_told_apart_by_name(served, tmp_path):
    entry_for(tmp_path, ["http://127.0.0.1:9/a.pth"], "unverified source", arch="fcn32s", classes=1000, fmt="torchvision",
              kind="trunk", name="vgg-copy", file_name="a.pth", catalogue="two.toml")
    both = (tmp_path / "lab.toml").read_text() + "\n" + (tmp_path / "two.toml").read_text()
    (tmp_path / "lab.toml").write_text(both)
    labels = [t.label for t in trunk_choices()[-2:]]
    assert labels == [f"a compact FCN-8s (vgg-lab) — {NOT_HERE_LABEL}",
                      f"a compact FCN-8s (vgg-copy) — {NOT_HERE_LABEL}, unverified source"]
    assert trunk_choices()[0].label == f"VGG16 ImageNet (Caffe) — {NOT_HERE_LABEL}"


def test_the_shown_model_is_the_default_start_and_a_trunk_names_its_own_file(served):
    shown = Path("/models/shown.safetensors")
    assert start_file("", shown) == shown and start_file("", None) is None
    assert start_file("vgg-lab", shown) == trunk_file("vgg-lab") == converted_path(served.entry)
    assert short_title(served.entry) == "a compact FCN-8s"
    with pytest.raises(RecipeError, match="not an ImageNet trunk"):
        trunk_file("fcn8s-voc")  # a segmentation model, not a trunk


def test_a_round_on_the_annotations_starts_from_a_downloaded_trunk(served, project):  # noqa: F811
    settings = AnnotationTraining(updates=2, eval_every=2, live_every_s=1e9, start_from="vgg-lab")
    download = trunk_download(settings.start_from)
    assert download is not None and download.entry == served.entry
    _, installed = drain(download.run())
    assert installed.path == converted_path(served.entry) and trunk_download("vgg-lab") is None
    job = RoundJob(project, start_file(settings.start_from, None), settings)
    _, done = drain(job.run())
    assert done.result.status == "done"
    init = load_model(done.run_dir / INIT_MODEL)
    assert init.info.class_names == ["background", "square", "disc"]  # the trunk adapted to the project
    assert init.info.input.channel_order == "BGR"  # the Caffe trunk's convention came along
    assert torch.equal(init.conv1_1.weight, served.trunk["conv1_1.weight"])
    assert torch.equal(init.fc7.weight, served.trunk["fc7.weight"])
    assert served.hits["/vgg.pth"] == 1
