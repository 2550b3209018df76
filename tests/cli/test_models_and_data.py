"""`fcn-studio models` and `fcn-studio data` against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image

from fcn_studio.app.downloads import datasets as datasets_module
from fcn_studio.cli import main
from fcn_studio.data import open_dataset
from fcn_studio.engine.model_info import CAFFE_INPUT
from fcn_studio.engine.model_info import to_input
from fcn_studio.palette import save_label_png
from tests.app.download_server import FileServer, closed_port_url, isolate_downloads
from tests.app.test_downloads import entry_for
from tests.compact_models import compact_model


@pytest.fixture
def env(tmp_path, monkeypatch):
    isolate_downloads(tmp_path, monkeypatch)
    return tmp_path


def test_models_lists_the_catalogue_with_states(env, capsys):
    entry_for(env, ["http://127.0.0.1:9/x.pth"], "unverified source")
    assert main(["models"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["NAME", "STATE", "CLASSES", "SIZE"]
    rows = {line.split()[0]: line for line in out[1:]}
    assert "not here" in rows["fcn8s-voc"] and "65.5 mean IU on seg11valid" in rows["fcn8s-voc"]
    assert "not here (unverified source)" in rows["fcn32s-voc-caffe"] and "fcn8s-test" in rows


def test_get_path_and_segment_with_a_catalogue_model(env, capsys):
    buffer = io.BytesIO()
    torch.save(compact_model("fcn8s", seed=5, family=None).state_dict(), buffer)
    body = buffer.getvalue()
    image = env / "photo.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (20, 24, 3), dtype=np.uint8)).save(image)
    with FileServer() as server:
        server.files["/fcn8s_test.pth"] = body
        entry_for(env, [server.url("/fcn8s_test.pth")], f"md5:{hashlib.md5(body).hexdigest()}")
        assert main(["models", "path", "fcn8s-test"]) == 1
        assert "fcn8s-test is not here yet; run `fcn-studio models get fcn8s-test`" in capsys.readouterr().err
        assert main(["models", "get", "fcn8s-test"]) == 0
        out = capsys.readouterr().out
        assert "fcn8s-test ready:" in out and f"md5 {hashlib.md5(body).hexdigest()} as published" in out
    assert main(["models", "path", "fcn8s-test"]) == 0
    path = capsys.readouterr().out.strip()
    assert path.endswith("models/fcn8s-test.safetensors")
    assert main(["models"]) == 0 and "ready" in next(l for l in capsys.readouterr().out.splitlines() if "fcn8s-test" in l)
    out_dir = env / "out"
    assert main(["segment", str(image), "--model", "fcn8s-test", "-o", str(out_dir), "--backend", "torch",
                 "--precision", "fp32"]) == 0
    labels = np.array(Image.open(out_dir / "photo.png"))
    # the served weights under the Caffe input convention the catalogue gives them
    rgb = np.array(Image.open(image).convert("RGB"))
    with torch.no_grad():
        expected = compact_model("fcn8s", seed=5, family=None).eval()(to_input(rgb, CAFFE_INPUT)).argmax(1)[0].numpy()
    assert labels.shape == (20, 24) and np.array_equal(labels, expected) and len(np.unique(expected)) > 1


def test_get_without_a_network_is_one_line_naming_the_urls(env, capsys):
    url = closed_port_url("fcn8s_test.pth")
    entry_for(env, [url], "md5:" + "3" * 32)
    assert main(["models", "get", "fcn8s-test"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and url in err and "models get fcn8s-test --from FILE" in err


def test_a_bad_user_catalogue_is_one_line_naming_its_line(env, capsys):
    (env / "lab.toml").write_text('[[file]]\nname = "x"\n')
    assert main(["models"]) == 1
    assert "lab.toml: line 1, entry 'x': misses title" in capsys.readouterr().err


def _voc_tar() -> bytes:
    """A one-image VOCdevkit/VOC2012 in a tar, as the real archive lays it out."""
    files = {}
    rgb = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(rgb, format="JPEG")
    files["VOCdevkit/VOC2012/JPEGImages/2007_000033.jpg"] = rgb.getvalue()
    files["VOCdevkit/VOC2012/ImageSets/Segmentation/train.txt"] = b"2007_000033\n"
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_data_get_unpacks_voc_where_training_reads_it_with_seg11valid(env, capsys, monkeypatch, tmp_path):
    body = _voc_tar()
    with FileServer() as server:
        server.files["/VOCtrainval_11-May-2012.tar"] = body
        real = datasets_module.DATASETS["voc2012"]
        monkeypatch.setitem(datasets_module.DATASETS, "voc2012", type(real)(
            **{**real.__dict__, "urls": (server.url("/VOCtrainval_11-May-2012.tar"),),
               "md5": hashlib.md5(body).hexdigest()}))
        label_dir = env / "data" / "VOCdevkit" / "VOC2012" / "SegmentationClass"
        assert main(["data", "get", "voc2012", "--to", str(env / "data")]) == 0
    root = env / "data" / "VOCdevkit" / "VOC2012"
    assert f"voc2012 ready: {root}" in capsys.readouterr().out
    lists = root / "ImageSets" / "Segmentation"
    assert (lists / "seg11valid.txt").read_text().splitlines()[:2] == ["2007_000033", "2007_000042"]
    assert len((lists / "seg11valid.txt").read_text().split()) == 736
    label_dir.mkdir()
    save_label_png(np.zeros((8, 8), np.uint8), label_dir / "2007_000033.png")
    assert len(open_dataset(env / "data", "train")) == 1
    assert not any(p.name.startswith(".unpacking-") for p in (env / "data").iterdir())


def test_a_wrong_dataset_archive_is_refused(env, capsys, monkeypatch):
    with FileServer() as server:
        server.files["/benchmark.tgz"] = b"not the archive"
        real = datasets_module.DATASETS["sbd"]
        monkeypatch.setitem(datasets_module.DATASETS, "sbd",
                            type(real)(**{**real.__dict__, "urls": (server.url("/benchmark.tgz"),)}))
        assert main(["data", "get", "sbd", "--to", str(env / "data")]) == 1
    err = capsys.readouterr().err
    assert "82b4d87ceb2ed10f6038a1cba92111cb" in err and hashlib.md5(b"not the archive").hexdigest() in err
    assert not (env / "data" / "benchmark_RELEASE").exists()


def test_an_archive_reaching_outside_its_folder_is_refused(tmp_path):
    from fcn_studio.app.downloads.datasets import unpack
    from fcn_studio.errors import DownloadError

    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, mode="w") as tar:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    with pytest.raises(DownloadError, match=r"evil.tar: could not unpack it into"):
        unpack(archive, tmp_path / "data", "VOCdevkit")
    assert not (tmp_path / "outside.txt").exists() and list((tmp_path / "data").iterdir()) == []
