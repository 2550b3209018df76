"""The app layer with the other trunks of Table 1 and with shift-and-stitch for 32s heads."""

import pytest
import numpy as np

from fcn_studio.app.analysis import internal_maps
from fcn_studio.app.catalog import Catalog, display_arch, head_of_arch
from fcn_studio.app.session import Session, open_image_file, stitch_for
from fcn_studio.engine import Prediction, Segmenter, save_model
from tests.compact_models import compact_model, write_image


def test_heads_and_names_of_every_architecture():
    assert [head_of_arch(a) for a in ("fcn32s", "fcn8s-atonce", "alexnet-fcn16s", "googlenet-fcn8s", "mystery")] == \
        ["32s", "8s", "16s", "8s", "8s"]
    assert [display_arch(a) for a in ("fcn16s", "fcn8s-atonce", "alexnet-fcn32s", "googlenet-fcn8s", "mystery")] == \
        ["FCN-16s", "FCN-8s at-once", "FCN-AlexNet-32s", "FCN-GoogLeNet-8s", "mystery"]


def test_a_family_name_does_not_mix_trunks(tmp_path):
    """A VGG16 FCN-32s and an AlexNet FCN-8s that share a family name are not each other's heads."""
    save_model(compact_model("fcn32s", family="f"), tmp_path / "vgg32.safetensors")
    save_model(compact_model("alexnet-fcn8s", family="f"), tmp_path / "alex8.safetensors")
    save_model(compact_model("alexnet-fcn16s", family="f"), tmp_path / "alex16.safetensors")
    cat = Catalog(tmp_path)
    assert list(cat.heads(cat.find("alex8"))) == ["16s", "8s"] and list(cat.heads(cat.find("vgg32"))) == ["32s"]


def test_internal_maps_follow_the_geometry_the_model_reported(tmp_path):
    model = compact_model("googlenet-fcn16s")
    pred = Segmenter(model, device="cpu").predict(np.zeros((48, 40, 3), np.uint8), intermediates=True)
    maps = internal_maps(pred, 2)
    assert [m.name for m in maps] == ["score_fr", "upscore2", "score_inception4e", "fuse_inception4e", "logits"]
    fuse = maps[3]
    assert (fuse.stride, fuse.offset) == (16, -0.875) and fuse.rect[0] == 0.5 + 16 * 0.875 - 8
    np.testing.assert_array_equal(fuse.values, pred.intermediates["fuse_inception4e"][2])
    assert internal_maps(Prediction(labels=pred.labels, intermediates=pred.intermediates), 0) == []


@pytest.mark.slow
def test_session_stitches_only_32s_heads_and_caches_both_kinds(tmp_path):
    paths = {a: save_model(compact_model(a, family="s"), tmp_path / f"{a}.safetensors") for a in ("fcn32s", "fcn16s")}
    session = Session(Catalog(tmp_path))
    image = open_image_file(write_image(tmp_path / "a.png", size=40))
    e32, e16 = session.catalog.find("fcn32s"), session.catalog.find("fcn16s")
    learned, _ = session.segment(image, e32, "cpu")
    assert stitch_for(e32, 2) == 2 and stitch_for(e16, 2) == 0
    stitched, cached = session.segment(image, e32, "cpu", stitch=2)
    assert not cached and list(stitched.intermediates) == ["score_fr", "score_fr_stitched", "logits"]
    expected = Segmenter(paths["fcn32s"], device="cpu", upsampling="shift-stitch", stitch_factor=2).predict(image.rgb)
    np.testing.assert_array_equal(stitched.labels, expected.labels)
    _, cached16 = session.segment(image, e16, "cpu", stitch=2)
    again, cached = session.segment(image, e32, "cpu")
    assert cached and again is learned and session.forward_passes == 3 and not cached16
