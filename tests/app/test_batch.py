"""One batch pipeline (`app.batch`) for the CLI, the headless app and the window's batch job."""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fcn_studio.app.batch import (BatchDone, BatchSegmentJob, FileWritten, Outputs, existing_outputs, plan_outputs,
                                  read_and_predict, segment_files)
from fcn_studio.app.catalog import Catalog
from fcn_studio.app.jobs import ImageFailed, Progress
from fcn_studio.app.overlay import blend
from fcn_studio.app.session import Session
from fcn_studio.cli import main
from fcn_studio.engine import Segmenter, load_model
from fcn_studio.errors import OutputError
from tests.app.draining import drain
from tests.compact_models import PALETTE, write_family, write_image


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    return write_family(tmp_path_factory.mktemp("models"))


@pytest.fixture
def mixed(tmp_path):
    """x.png and x.jpg (different pictures) in one folder."""
    src = tmp_path / "src"
    src.mkdir()
    write_image(src / "x.png", size=40, seed=1)
    Image.open(write_image(tmp_path / "other.png", size=40, seed=2)).save(src / "x.jpg")
    return src


def test_inputs_sharing_a_stem_get_numbered_names_and_a_repeat_is_planned_once(tmp_path):
    plan = plan_outputs(["a/x.png", "b/x.png", "x.jpg", "a/x.png", "y.png"], tmp_path)
    assert [(p.source.as_posix(), p.labels.name, p.overlay.name) for p in plan] == [
        ("a/x.png", "x.png", "x_overlay.png"), ("b/x.png", "x-2.png", "x-2_overlay.png"),
        ("x.jpg", "x-3.png", "x-3_overlay.png"), ("y.png", "y.png", "y_overlay.png")]
    # an input named like another's overlay does not take its name either
    assert [p.labels.name for p in plan_outputs(["x.png", "x_overlay.png"], tmp_path, overlay=False)] == [
        "x.png", "x_overlay-2.png"]
    assert plan_outputs(["x.png"], tmp_path, overlay=False)[0].paths == [tmp_path / "x.png"]


def test_existing_outputs_are_refused_unless_overwrite(tmp_path):
    plan = plan_outputs(["x.png", "y.png"], tmp_path)
    (tmp_path / "y_overlay.png").write_bytes(b"old")
    with pytest.raises(OutputError, match=r"1 output file\(s\) exist already \(y_overlay.png\)") as caught:
        existing_outputs(plan, tmp_path)
    assert caught.value.path == str(tmp_path)
    assert existing_outputs(plan, tmp_path, overwrite=True) == {tmp_path / "y_overlay.png"}


def test_segment_files_reports_each_file_and_keeps_going_past_a_bad_one(family, tmp_path):
    good = write_image(tmp_path / "good.png", size=40)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    seg = Segmenter(load_model(family["8s"]), device="cpu", precision="fp32")
    pal = np.array(PALETTE, np.uint8)
    events, done = drain(segment_files(plan_outputs([bad, good], tmp_path / "out"), tmp_path / "out",
                                       read_and_predict(seg.predict), pal, opacity=0.25))
    assert [type(e) for e in events] == [Progress, ImageFailed, Progress, FileWritten, Progress]
    assert "bad.png" in events[1].message and [p.done for p in events if isinstance(p, Progress)] == [0, 1, 2]
    rgb = np.array(Image.open(good).convert("RGB"))
    labels = seg.predict(rgb).labels
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out" / "good.png")), labels)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out" / "good_overlay.png")),
                                  blend(rgb, labels, pal, 0.25))
    assert done.summary == "1 of 2 images segmented, 1 failed" and done.written == [good]


def test_gui_batch_keeps_x_png_and_x_jpg_apart(family, mixed, tmp_path):
    session = Session(Catalog(family["8s"].parent))
    out = tmp_path / "out"
    events, done = drain(BatchSegmentJob(session, [mixed], session.catalog.default(), out, "cpu").run())
    assert sorted(os.listdir(out)) == ["x-2.png", "x-2_overlay.png", "x.png", "x_overlay.png"]
    written = {e.source.name: e.outputs[0].name for e in events if isinstance(e, FileWritten)}
    assert written == {"x.jpg": "x.png", "x.png": "x-2.png"}  # expand_paths sorts by name: x.jpg first
    assert not np.array_equal(np.asarray(Image.open(out / "x_overlay.png")), np.asarray(Image.open(out / "x-2_overlay.png")))
    assert done.total == 2


def test_gui_batch_refuses_existing_outputs_before_segmenting_unless_overwrite(family, mixed, tmp_path):
    session = Session(Catalog(family["8s"].parent))
    out = tmp_path / "out"
    out.mkdir()
    (out / "x-2.png").write_bytes(b"earlier result")
    job = BatchSegmentJob(session, [mixed], session.catalog.default(), out, "cpu")
    with pytest.raises(OutputError, match="exist already"):
        drain(job.run())
    assert sorted(os.listdir(out)) == ["x-2.png"] and session.forward_passes == 0
    job.overwrite = True
    _, done = drain(job.run())
    assert done.total == 2 and (out / "x-2.png").read_bytes() != b"earlier result"


def test_the_cli_and_the_gui_batch_write_the_same_bytes(family, mixed, tmp_path):
    images = sorted(mixed.iterdir())
    cli_out, gui_out = tmp_path / "cli", tmp_path / "gui"
    assert main(["segment", *map(str, images), "-m", str(family["8s"]), "-o", str(cli_out), "--overlay",
                 "--opacity", "0.4", "--device", "cpu", "--precision", "fp32", "--backend", "torch"]) == 0
    session = Session(Catalog(family["8s"].parent))
    job = BatchSegmentJob(session, [mixed], session.catalog.default(), gui_out, "cpu", precision="fp32", opacity=0.4)
    _, done = drain(job.run())
    assert done.total == 2
    names = sorted(os.listdir(cli_out))
    assert names == sorted(os.listdir(gui_out)) == ["x-2.png", "x-2_overlay.png", "x.png", "x_overlay.png"]
    for name in names:
        assert (cli_out / name).read_bytes() == (gui_out / name).read_bytes(), name


def test_batch_done_counts():
    assert BatchDone(Path("o"), [Path("a.png")], []).summary == "1 of 1 images segmented"
    assert Outputs(Path("a.png"), Path("o/a.png"), None).paths == [Path("o/a.png")]
