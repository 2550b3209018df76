"""fcn_studio.app without Qt: catalog families, cache keys and hits, jobs' events and outputs."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fcn_studio.app.analysis import image_metrics, internal_maps, pixel_readout, skip_changes
from fcn_studio.app.overlay import blend, label_lut, overlay_rgba
from fcn_studio.app.catalog import Catalog
from fcn_studio.app.batch import BatchDone, BatchSegmentJob, FileWritten
from fcn_studio.app.jobs import (CancelToken, HeadResult, ImageFailed, ImageOpened, OpenImagesJob, Progress,
                                  SegmentJob)
from fcn_studio.app.session import Session, expand_paths, open_image_file
from fcn_studio.engine import Segmenter, load_model
from tests.app.draining import drain
from tests.compact_models import PALETTE, compact_model, write_family, write_image


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    return write_family(tmp_path_factory.mktemp("models"))


def test_catalog_groups_a_family_and_keeps_a_lone_model_alone(family, tmp_path):
    from fcn_studio.engine import save_model
    lone = save_model(compact_model("fcn16s", family=None), tmp_path / "lone.safetensors")
    cat = Catalog(family["8s"].parent)
    assert [e.path.name for e in cat.entries] == ["fcn16s.safetensors", "fcn32s.safetensors", "fcn8s.safetensors"]
    assert all(e.shipped for e in cat.entries)
    heads = cat.heads(cat.find("fcn32s"))
    assert {h: e.path for h, e in heads.items()} == {h: p.resolve() for h, p in family.items()}
    assert cat.default().path == family["8s"].resolve()
    entry = cat.add_file(lone)
    assert not entry.shipped and list(cat.heads(entry)) == ["16s"]
    assert cat.add_file(lone) is entry  # opening twice adds once


def test_empty_catalog_has_no_default(tmp_path):
    cat = Catalog(tmp_path / "nothing")
    assert cat.entries == [] and cat.default() is None


def test_second_file_for_a_head_only_wins_when_chosen(family, tmp_path):
    import shutil
    folder = tmp_path / "m"
    shutil.copytree(family["8s"].parent, folder)
    shutil.copy(folder / "fcn32s.safetensors", folder / "fcn32s-fixed.safetensors")
    cat = Catalog(folder)
    assert cat.heads(cat.find("fcn8s"))["32s"].path.name == "fcn32s.safetensors"
    assert cat.heads(cat.find("fcn32s-fixed"))["32s"].path.name == "fcn32s-fixed.safetensors"


def test_segment_job_yields_every_head_and_second_run_hits_the_cache(family, tmp_path):
    session = Session(Catalog(family["8s"].parent))
    image = open_image_file(write_image(tmp_path / "a.png", mask=True))
    assert image.truth is not None and image.truth.shape == (64, 64)
    entries = list(session.catalog.heads(session.catalog.default()).values())[::-1]
    events = list(SegmentJob(session, image, entries, "cpu").run())
    assert [e.entry.head for e in events] == ["8s", "16s", "32s"]
    assert session.forward_passes == 3 and not any(e.cached for e in events)
    expected = Segmenter(load_model(family["8s"]), device="cpu").predict(image.rgb).labels
    np.testing.assert_array_equal(events[0].prediction.labels, expected)
    again = list(SegmentJob(session, image, entries, "cpu").run())
    assert session.forward_passes == 3 and all(e.cached for e in again) and session.cache.hits == 3


def test_cancelled_segment_job_stops_before_the_next_head(family, tmp_path):
    session = Session(Catalog(family["8s"].parent))
    image = open_image_file(write_image(tmp_path / "a.png"))
    job = SegmentJob(session, image, list(session.catalog.entries), "cpu")
    token = CancelToken()
    it = job.run(token)
    first = next(it)
    token.cancel()
    assert isinstance(first, HeadResult) and list(it) == [] and session.forward_passes == 1


def test_open_job_expands_folders_skips_masks_and_reports_bad_files(tmp_path):
    write_image(tmp_path / "b.png", mask=True)
    write_image(tmp_path / "a.png")
    (tmp_path / "c.png").write_bytes(b"not a png")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.png", "b.png", "c.png"]
    events = list(OpenImagesJob([tmp_path]).run())
    assert [type(e) for e in events] == [ImageOpened, ImageOpened, ImageFailed]
    assert events[1].image.truth_path.name == "b_mask.png" and "c.png" in events[2].message


def test_batch_job_writes_labels_and_overlays(family, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(2):
        write_image(src / f"im{i}.png", size=48, seed=i)
    session = Session(Catalog(family["8s"].parent))
    entry = session.catalog.default()
    events = list(BatchSegmentJob(session, [src], entry, tmp_path / "out", "cpu", opacity=0.5).run())
    written = [e for e in events if isinstance(e, FileWritten)]
    assert [e.source.name for e in written] == ["im0.png", "im1.png"]
    assert events[-1] == Progress(2, 2, "im1.png")
    seg = Segmenter(load_model(family["8s"]), device="cpu")
    for e in written:
        rgb = np.array(Image.open(e.source).convert("RGB"))
        labels = seg.predict(rgb).labels
        np.testing.assert_array_equal(np.asarray(Image.open(e.outputs[0])), labels)
        np.testing.assert_array_equal(np.asarray(Image.open(e.outputs[1])), blend(rgb, labels, np.array(PALETTE, np.uint8), 0.5))


def test_batch_job_counts_failed_files_and_returns_what_it_did(family, tmp_path):
    """Issue #17/3: a bad last file left the bar at 7/8; every file is counted, failed ones too."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(3):
        write_image(src / f"im{i}.png", size=40, seed=i)
    (src / "zz_bad.png").write_bytes(b"not a png")
    session = Session(Catalog(family["8s"].parent))
    events, done = drain(BatchSegmentJob(session, [src], session.catalog.default(), tmp_path / "out", "cpu").run())
    progress = [e for e in events if isinstance(e, Progress)]
    assert [(p.done, p.total) for p in progress] == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert [p.name for p in done.written] == ["im0.png", "im1.png", "im2.png"] and done.out_dir == tmp_path / "out"
    assert [Path(f.path).name for f in done.failed] == ["zz_bad.png"] and "zz_bad.png" in done.failed[0].message
    assert done.summary == "3 of 4 images segmented, 1 failed"
    assert BatchDone(tmp_path, [tmp_path / "a.png"], []).summary == "1 of 1 images segmented"


def test_analysis_functions():
    labels = np.array([[0, 1], [2, 3]], dtype=np.uint8)
    pal = np.array(PALETTE, dtype=np.uint8)
    rgba = overlay_rgba(labels, pal, 0.5, hidden=[2])
    assert rgba[0, 1, :3].tolist() == PALETTE[1] and rgba[0, 1, 3] == 128 and rgba[1, 0, 3] == 0
    rgb = np.full((2, 2, 3), 100, np.uint8)
    assert blend(rgb, labels, pal, 1.0)[1, 1].tolist() == PALETTE[3]
    assert skip_changes(labels, np.array([[0, 1], [3, 3]])).tolist() == [[False, False], [True, False]]
    m = image_metrics(labels, np.array([[0, 1], [2, 255]]), 4)
    assert m["pixel_acc"] == 1.0 and m["mean_iu"] == 1.0


def test_internal_maps_match_the_forward_pass_and_sit_on_the_image(family, tmp_path):
    session = Session(Catalog(family["8s"].parent))
    image = open_image_file(write_image(tmp_path / "a.png"))
    pred, _ = session.segment(image, session.catalog.default(), "cpu")
    maps = internal_maps(pred, 1)
    assert [m.name for m in maps] == ["score_fr", "upscore2", "score_pool4", "fuse_pool4", "upscore_pool4",
                                      "score_pool3", "fuse_pool3", "logits"]
    for m in maps:
        np.testing.assert_array_equal(m.values, pred.intermediates[m.name][1])
    assert maps[0].stride == 32 and maps[-1].rect == (0.0, 0.0, 64, 64)
    x, y, w, h = maps[0].rect
    assert x <= 0 and x + w >= 64  # the coarse grid covers the whole image
    label, score = pixel_readout(pred, 5, 7)
    assert label == pred.labels[7, 5] and score == pytest.approx(pred.scores[label, 7, 5])
    assert pixel_readout(pred, 64, 0) is None


def test_label_lut_colours_labels_like_the_rgba_overlay():
    pal = np.array(PALETTE, dtype=np.uint8)
    labels = np.array([[0, 1, 2], [3, 255, 1]], dtype=np.uint8)
    lut = label_lut(pal, hidden=[2], opacity=0.7)
    assert lut.shape == (256, 4) and lut.dtype == np.uint8
    assert lut[1].tolist() == PALETTE[1] + [178] and lut[2, 3] == 0 and lut[255, 3] == 0
    np.testing.assert_array_equal(lut[labels], overlay_rgba(labels, pal, 0.7, hidden=[2, 255]))
    assert (label_lut(pal)[:4, 3] == 255).all()
