"""Catalogue downloads against a local HTTP server on 127.0.0.1: every fault the issue names.

The served model is a compact pytorch-fcn-style state_dict (our attribute names are pytorch-fcn's),
so download → verify → convert → segment runs in well under a second per test.
"""

from __future__ import annotations

import errno
import hashlib
import io
import time

import numpy as np
import pytest
import torch

from fcn_studio.app.catalog import Catalog
from fcn_studio.app.downloads.entries import CatalogueError, load_catalogue, read_catalogue
from fcn_studio.app.downloads.fetch import DownloadCancelled, DownloadProgress, cache_dir, fetch
from fcn_studio.errors import DownloadError
from fcn_studio.app.downloads.install import READY, UNVERIFIED_STATE, converted_path, files_dir, install, state
from fcn_studio.app.downloads.job import InstallJob
from fcn_studio.app.jobs import CancelToken, Lane
from fcn_studio.engine import load_model, read_info
from fcn_studio.errors import WeightFileError
from tests.app.download_server import FileServer, closed_port_url
from tests.compact_models import compact_model


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FCN_STUDIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("FCN_STUDIO_MIRROR", raising=False)
    monkeypatch.setattr(time, "sleep", lambda s: None)  # pooch's pause between retries
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def pth_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.save(compact_model("fcn8s", seed=3, family=None).state_dict(), buffer)
    return buffer.getvalue()


def entry_for(tmp_path, urls, hash_, arch="fcn8s", classes=4, fmt="pytorch-fcn", kind="model", name="fcn8s-test",
              file_name="fcn8s_test.pth", catalogue="lab.toml"):
    """One entry, written as a lab's catalogue file would be and read back through the parser."""
    listed = ", ".join(f'"{u}"' for u in urls)
    names = {4: '["background", "disc", "ring", "bar"]', 1000: '"imagenet"'}.get(classes, '"voc"')
    path = tmp_path / catalogue
    path.write_text(f'''[[file]]
name = "{name}"
title = "a compact FCN-8s"
kind = "{kind}"
arch = "{arch}"
classes = {classes}
class_names = {names}
width = 0.0625
result = "none"
input = "caffe-voc"
urls = [{listed}]
file_name = "{file_name}"
hash = "{hash_}"
format = "{fmt}"
licence = "test"
''')
    return read_catalogue(path)[0]


def leftovers(cache):
    return sorted(p.name for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def test_the_builtin_catalogue_holds_the_papers_files_with_their_published_hashes():
    entries = load_catalogue()
    assert {e.name: e.hash for e in entries.values() if e.format == "pytorch-fcn"} == {
        "fcn32s-voc": "md5:d3eb467a80e7da0468a20dfcbc13e6c8", "fcn16s-voc": "md5:a2d4035f669f09483b39c9a14a0d6670",
        "fcn8s-voc": "md5:de93e540ec79512f8770033849c8ae89", "fcn8s-atonce-voc": "md5:bfed4437e941fef58932891217fe6464"}
    assert entries["vgg16-caffe"].hash == "md5:aa75b158f4181e7f6230029eb96c1b13"
    assert entries["fcn8s-voc-caffe"].hash == "sha1:c449ea74dd7d83751d1357d6a8c323fcf4038962"
    assert entries["fcn32s-voc-caffe"].hash == "unverified source" and not entries["fcn32s-voc-caffe"].verified
    assert entries["vgg16-torchvision"].download_name == "vgg16-397923af.pth"
    assert entries["vgg16-torchvision"].digest == "397923af"
    assert entries["fcn8s-pascalcontext-caffe"].class_names[59] == "wood"
    assert entries["fcn32s-nyud-color-caffe"].class_names[:2] == ("wall", "floor")
    assert entries["vgg16-caffe"].input_spec.channel_order == "BGR"
    assert entries["googlenet-torchvision"].input_spec.mean == (0.5, 0.5, 0.5)


def test_a_bad_catalogue_entry_names_the_file_line_and_entry(tmp_path):
    good = entry_for(tmp_path, ["http://127.0.0.1/x.pth"], "unverified source")
    text = (tmp_path / "lab.toml").read_text()
    broken = tmp_path / "broken.toml"
    broken.write_text(text + "\n" + text.replace('name = "fcn8s-test"', 'name = "second"').replace(
        'hash = "unverified source"', 'hash = "md5:1234"'))
    line = 1 + text.count("\n") + 1
    with pytest.raises(CatalogueError, match=rf"broken.toml: line {line}, entry 'second': hash 'md5:1234' is not a md5"):
        read_catalogue(broken)
    assert good.name == "fcn8s-test"
    (tmp_path / "syntax.toml").write_text("[[file]]\nname = \n")
    with pytest.raises(CatalogueError, match=r"syntax.toml: not valid TOML .*line 2"):
        read_catalogue(tmp_path / "syntax.toml")


def test_the_user_catalogue_adds_and_replaces_entries(tmp_path, monkeypatch):
    entry_for(tmp_path, ["http://127.0.0.1/x.pth"], "unverified source", name="fcn8s-voc")
    monkeypatch.setenv("FCN_STUDIO_CATALOGUE", str(tmp_path / "lab.toml"))
    entries = load_catalogue()
    assert entries["fcn8s-voc"].urls == ("http://127.0.0.1/x.pth",) and "fcn32s-voc" in entries


def test_download_verify_convert_and_segment_end_to_end(tmp_path, cache, pth_bytes):
    with FileServer() as server:
        server.files["/fcn8s_test.pth"] = pth_bytes
        entry = entry_for(tmp_path, [server.url("/fcn8s_test.pth")], f"md5:{hashlib.md5(pth_bytes).hexdigest()}")
        job = InstallJob(entry)
        events = job.run(CancelToken())
        seen = []
        try:
            while True:
                seen.append(next(events))
        except StopIteration as stop:
            done = stop.value
    assert job.lane is Lane.DOWNLOAD
    assert seen and all(isinstance(e, DownloadProgress) for e in seen) and seen[-1].done == len(pth_bytes)
    assert seen[-1].message.startswith(f"fcn8s_test.pth: {len(pth_bytes) / 1e6:.1f} of {len(pth_bytes) / 1e6:.1f} MB, ")
    assert done.path == converted_path(entry) and done.url == server.url("/fcn8s_test.pth")
    assert state(entry) == READY
    info = read_info(done.path)
    assert info.notes["catalogue"]["hash"] == entry.hash and info.notes["catalogue"]["downloaded_from"] == done.url
    assert info.class_names == ["background", "disc", "ring", "bar"] and info.input.channel_order == "BGR"
    ours, theirs = load_model(done.path), compact_model("fcn8s", seed=3, family=None)
    x = torch.randn(1, 3, 24, 20)
    with torch.no_grad():
        assert torch.equal(ours(x).argmax(1), theirs.eval()(x).argmax(1))
    assert install(entry).url == ""  # there already: nothing fetched again
    assert server.hits["/fcn8s_test.pth"] == 1


def test_a_wrong_hash_is_refused_naming_the_url_and_both_hashes(tmp_path, cache, pth_bytes):
    with FileServer() as server:
        server.files["/fcn8s_test.pth"] = pth_bytes
        url = server.url("/fcn8s_test.pth")
        entry = entry_for(tmp_path, [url], "md5:" + "0" * 32)
        with pytest.raises(DownloadError) as caught:
            install(entry, retries=0)
    message = str(caught.value)
    assert url in message and "0" * 32 in message and hashlib.md5(pth_bytes).hexdigest() in message
    assert leftovers(cache) == [] and state(entry) == "not here"


def test_a_cut_connection_is_retried_then_reported_and_leaves_nothing(tmp_path, cache, pth_bytes):
    with FileServer() as server:
        server.files["/fcn8s_test.pth"] = pth_bytes
        server.cut.add("/fcn8s_test.pth")
        entry = entry_for(tmp_path, [server.url("/fcn8s_test.pth")], f"md5:{hashlib.md5(pth_bytes).hexdigest()}")
        with pytest.raises(DownloadError, match=r"the transfer broke off .*after 2 tries"):
            install(entry, retries=1)
        assert server.hits["/fcn8s_test.pth"] == 2
    assert leftovers(cache) == []


def test_a_404_on_the_first_source_moves_on_to_the_next(tmp_path, cache, pth_bytes):
    with FileServer() as server:
        server.files["/mirror/fcn8s_test.pth"] = pth_bytes
        entry = entry_for(tmp_path, [server.url("/gone.pth"), server.url("/mirror/fcn8s_test.pth")],
                          f"md5:{hashlib.md5(pth_bytes).hexdigest()}")
        done = install(entry)
        assert server.hits["/gone.pth"] == 1 and done.url.endswith("/mirror/fcn8s_test.pth")


def test_the_mirror_variable_is_tried_first(tmp_path, cache, pth_bytes, monkeypatch):
    with FileServer() as server:
        server.files["/lab/fcn8s_test.pth"] = pth_bytes
        monkeypatch.setenv("FCN_STUDIO_MIRROR", server.url("/lab/"))
        entry = entry_for(tmp_path, [closed_port_url("x.pth")], f"md5:{hashlib.md5(pth_bytes).hexdigest()}")
        assert install(entry).url == server.url("/lab/fcn8s_test.pth")


def test_no_network_is_one_line_with_the_urls_and_the_manual_way(tmp_path, cache):
    urls = [closed_port_url("a.pth"), closed_port_url("b.pth")]
    entry = entry_for(tmp_path, urls, "md5:" + "1" * 32)
    with pytest.raises(DownloadError) as caught:
        install(entry, retries=0)
    message = str(caught.value)
    assert "\n" not in message and all(message.count(u) == 2 for u in urls)  # the reason, then the manual way
    assert "cannot connect" in message and "fcn-studio models get fcn8s-test --from FILE" in message
    assert leftovers(cache) == []


def test_a_full_disk_stops_the_download_and_keeps_nothing(tmp_path, cache, pth_bytes, monkeypatch):
    import pooch.downloaders

    class FullDisk(io.FileIO):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pooch.downloaders, "open", lambda path, mode: FullDisk(path, "w"), raising=False)
    with FileServer() as server:
        server.files["/fcn8s_test.pth"] = pth_bytes
        entry = entry_for(tmp_path, [server.url("/fcn8s_test.pth")], f"md5:{hashlib.md5(pth_bytes).hexdigest()}")
        with pytest.raises(DownloadError, match=r"could not write fcn8s_test.pth \(the disk is full\); nothing was kept"):
            install(entry)
        assert server.hits["/fcn8s_test.pth"] == 1  # a full disk is not retried
    assert leftovers(cache) == []


def test_cancel_removes_the_partial_file(tmp_path, cache):
    body = np.random.default_rng(0).bytes(2_000_000)
    token = CancelToken()
    with FileServer() as server:
        server.files["/big.bin"] = body
        with pytest.raises(DownloadCancelled):
            fetch([server.url("/big.bin")], cache / "files" / "big.bin", None, lambda p: token.cancel(), token,
                  every_s=0)
    assert leftovers(cache) == []


def test_a_file_that_is_not_what_the_catalogue_says_is_parsed_and_refused(tmp_path, cache, pth_bytes):
    with FileServer() as server:
        server.files["/fcn8s_test.pth"] = pth_bytes
        server.files["/junk.pth"] = b"not a model at all" * 100
        md5 = f"md5:{hashlib.md5(pth_bytes).hexdigest()}"
        wrong_classes = entry_for(tmp_path, [server.url("/fcn8s_test.pth")], md5, classes=21, name="a")
        with pytest.raises(WeightFileError, match=r"is not what the catalogue says a is \(it holds fcn8s with 4 classes"):
            install(wrong_classes)
        junk = entry_for(tmp_path, [server.url("/junk.pth")], "unverified source", name="b")
        with pytest.raises(WeightFileError, match=r"junk.pth: is not what the catalogue says b is"):
            install(junk)
    assert leftovers(cache) == []


def test_an_unverified_source_that_parses_is_kept_and_said_unverified(tmp_path, cache, pth_bytes):
    with FileServer() as server:
        server.files["/fcn8s_test.pth"] = pth_bytes
        entry = entry_for(tmp_path, [server.url("/fcn8s_test.pth")], "unverified source")
        install(entry)
    assert state(entry) == UNVERIFIED_STATE and (files_dir() / "fcn8s_test.pth").is_file()
    assert leftovers(cache) == ["fcn8s-test.safetensors", "fcn8s_test.pth"] and cache_dir() == cache / "downloads"


def test_a_torchvision_prefix_that_does_not_match_is_refused(tmp_path, cache, pth_bytes):
    with FileServer() as server:
        server.files["/fcn8s_test.pth"] = pth_bytes
        entry = entry_for(tmp_path, [server.url("/fcn8s_test.pth")], "sha256-prefix:deadbeef")
        with pytest.raises(DownloadError, match=r"does not start with deadbeef"):
            install(entry)
    assert leftovers(cache) == []


def test_a_file_fetched_elsewhere_is_checked_like_a_download(tmp_path, cache, pth_bytes):
    fetched = tmp_path / "from_a_usb_stick.pth"
    fetched.write_bytes(pth_bytes)
    entry = entry_for(tmp_path, [closed_port_url("x.pth")], f"md5:{hashlib.md5(pth_bytes).hexdigest()}")
    assert install(entry, from_file=fetched).path == converted_path(entry) and state(entry) == READY
    other = entry_for(tmp_path, [closed_port_url("x.pth")], "md5:" + "2" * 32, name="c")
    with pytest.raises(DownloadError, match=r"from_a_usb_stick.pth: its md5 is .* but the catalogue says 2222"):
        install(other, from_file=fetched)


def test_downloaded_models_join_the_picker_as_one_family(tmp_path, cache):
    bodies = {}
    for arch in ("fcn32s", "fcn8s"):
        buffer = io.BytesIO()
        torch.save(compact_model(arch, seed=1, family=None).state_dict(), buffer)
        bodies[arch] = buffer.getvalue()
    with FileServer() as server:
        for arch, body in bodies.items():
            server.files[f"/{arch}.pth"] = body
            install(entry_for(tmp_path, [server.url(f"/{arch}.pth")], f"md5:{hashlib.md5(body).hexdigest()}",
                              arch=arch, name=f"{arch}-lab", file_name=f"{arch}.pth", catalogue=f"{arch}.toml"))
    picker = Catalog(tmp_path / "no-shipped-models")
    assert [(e.path.name, e.shipped) for e in picker.entries] == [("fcn32s-lab.safetensors", False),
                                                                 ("fcn8s-lab.safetensors", False)]
    eight = picker.entries[1]
    assert eight.family_name == "lab" and list(picker.heads(eight)) == ["32s", "8s"]
    picker.scan()
    assert len(picker.entries) == 2  # a rescan does not list them twice


def vgg_trunk_file(seed: int = 2) -> tuple[dict, bytes]:
    """A compact VGG16 ImageNet classifier in torchvision's keys (as pytorch-fcn's vgg16_from_caffe.pth
    is): the FCN-32s whose trunk it holds, and the file's bytes."""
    from fcn_studio.engine.convolutionalise import VGG16_FEATURE_INDICES
    from fcn_studio.engine.vgg import CONV_NAMES

    trunk = compact_model("fcn32s", seed=seed, family=None).state_dict()
    tv = {}
    for name, index in zip(CONV_NAMES, VGG16_FEATURE_INDICES):
        tv[f"features.{index}.weight"], tv[f"features.{index}.bias"] = trunk[f"{name}.weight"], trunk[f"{name}.bias"]
    tv["classifier.0.weight"], tv["classifier.0.bias"] = trunk["fc6.weight"].flatten(1), trunk["fc6.bias"]
    tv["classifier.3.weight"], tv["classifier.3.bias"] = trunk["fc7.weight"].flatten(1), trunk["fc7.bias"]
    buffer = io.BytesIO()
    torch.save(tv, buffer)
    return trunk, buffer.getvalue()


def test_a_trunk_becomes_the_init_model_with_its_own_input_convention(tmp_path, cache, monkeypatch):
    """A Caffe-convention VGG16 in torchvision's keys (pytorch-fcn's vgg16_from_caffe.pth, compact)."""
    from fcn_studio.app.model_choice import model_file

    trunk, body = vgg_trunk_file()
    with FileServer() as server:
        server.files["/vgg16_from_caffe.pth"] = body
        entry = entry_for(tmp_path, [server.url("/vgg16_from_caffe.pth")], f"md5:{hashlib.md5(body).hexdigest()}",
                          arch="fcn32s", classes=1000, fmt="torchvision", kind="trunk", name="vgg-lab",
                          file_name="vgg16_from_caffe.pth")
        monkeypatch.setenv("FCN_STUDIO_CATALOGUE", str(tmp_path / "lab.toml"))
        path = model_file("vgg-lab")  # what `train --init vgg-lab` opens
    assert path == converted_path(entry) and path.parent.name == "trunks" and state(entry) == READY
    model = load_model(path)
    assert model.info.input.channel_order == "BGR" and model.info.input.scale == 1.0
    assert torch.equal(model.fc6.weight, trunk["fc6.weight"]) and torch.equal(model.conv5_3.bias, trunk["conv5_3.bias"])
    assert not model.score_fr.weight.any()
    assert Catalog(tmp_path / "none").entries == []  # a trunk is a start for training, not a model to segment with
