"""The annotation workflow driven without Qt: projects, images joining, edits, saving, closing, rounds."""

import os
import stat

import numpy as np
import pytest
from PIL import Image

from fcn_studio.app.annotate.jobs import RoundDone, RoundJob, SaveMaskJob
from fcn_studio.app.annotate.session import NO_PROJECT, AnnotationSession, ImageState, Outcome, Outside, Refused, Step
from fcn_studio.app.annotate.training import AnnotationTraining
from fcn_studio.app.annotate.workspace import new_label_set
from fcn_studio.app.session import OpenImage, open_image_file
from fcn_studio.engine import Prediction
from fcn_studio.errors import DatasetError, MaskProblem
from fcn_studio.training.events import Evaluated, StageFinished
from tests.app.draining import drain

CLASSES = new_label_set(["background", "cat", "dog"])


def photo(path, w=24, h=16, seed=0):
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path)
    return path


@pytest.fixture
def session(tmp_path):
    s = AnnotationSession()
    s.create(tmp_path / "proj", CLASSES)
    return s


@pytest.fixture
def edits(session):
    seen = []
    session.events.edited.connect(lambda name, box: seen.append((name, box)))
    return seen


def test_a_new_project_takes_the_open_images_that_have_files(session, tmp_path):
    state = session.state
    assert state.project.root == tmp_path / "proj" and state.class_names == ["background", "cat", "dog"]
    pasted = OpenImage("pasted", "pasted", np.zeros((4, 4, 3), np.uint8))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    images = [open_image_file(photo(tmp_path / "a b.png")), pasted, OpenImage("bad", "bad", np.zeros((4, 4, 3), np.uint8), path=bad)]
    added = session.add_images(images)
    assert added.names == ["a_b"] and added.skipped == ["pasted"] and added.skipped_text.endswith(": pasted")
    assert len(added.problems) == 1 and str(bad) in str(added.problems[0])
    assert state.project.names == ["a_b"] and state.tool == "brush"
    with pytest.raises(DatasetError, match="empty folder"):
        AnnotationSession().create(tmp_path / "proj", CLASSES)


def test_opening_a_project_lists_round_models_broken_masks_and_images(session, tmp_path):
    project = session.project
    for k in range(2):
        project.add_image(photo(tmp_path / f"p{k}.png", seed=k))
    best = project.root / "rounds" / "round-001" / "best.safetensors"
    best.parent.mkdir(parents=True)
    best.write_bytes(b"model")
    project.mask_path("p1").write_bytes(b"\x89PNG broken")
    again = AnnotationSession()
    opened = again.open(project.root)
    assert opened.models == [best] and [p.path for p in opened.problems] == [str(project.mask_path("p1"))]
    assert opened.images == [project.image_path("p0"), project.image_path("p1")]
    assert again.state.project is opened.project and again.state.annotation is None
    with pytest.raises(DatasetError, match="not an annotation project"):
        again.open(tmp_path)


def test_an_image_joins_when_painted_on_and_is_found_again_by_its_source(session, tmp_path):
    state = session.state
    source = open_image_file(photo(tmp_path / "my cat.png"))
    assert session.name_of(source) is None and session.show(source) is None and state.name is None
    assert session.outside(source)
    with pytest.raises(Outside, match="my cat.png is not in the project proj: painting on it adds it"):
        session.annotation_for(source)  # a stray click never adds an image: the user is asked first
    assert session.project.names == [] and not (session.project.root / "train.txt").exists()
    ann = session.annotation_for(source, add=True)
    assert state.name == "my_cat" and state.annotation is ann and ann.shape == (16, 24)
    assert session.annotation_for(source) is ann and session.name_of(open_image_file(session.project.image_path("my_cat"))) == "my_cat"
    assert session.show(None) is None and not session.outside(source)
    with pytest.raises(Refused, match="pasted image has no file"):
        session.annotation_for(OpenImage("pasted", "pasted", np.zeros((4, 4, 3), np.uint8)))
    with pytest.raises(Refused, match="no annotation project"):
        AnnotationSession().annotation_for(source, add=True)


def test_a_broken_mask_is_refused_until_set_aside(session, tmp_path):
    source = open_image_file(photo(tmp_path / "a.png"))
    name = session.add(source)
    session.project.mask_path(name).write_bytes(b"\x89PNG broken")  # not read yet: added, never shown
    with pytest.raises(MaskProblem, match="unreadable"):
        session.show(source)
    assert session.state.name == name and session.state.annotation is None
    with pytest.raises(Refused, match="its mask cannot be used"):
        session.annotation_for(source)
    kept = session.set_aside(source)
    assert kept.read_bytes() == b"\x89PNG broken" and (session.state.annotation.labels == 255).all()


def test_edits_are_announced_once_and_undo_redo_say_when_there_is_nothing(session, edits, tmp_path):
    source = open_image_file(photo(tmp_path / "a.png"))
    ann = session.annotation_for(source, add=True)
    assert session.undo() == Outcome(message="nothing to undo") and Step.REDO.nothing == "nothing to redo"
    box = ann.paint([(4.5, 4.5), (10.5, 4.5)], 1, 1.0)
    session.commit(box)
    session.commit(ann.end_stroke())  # an empty box: nothing to announce
    assert edits == [("a", box)]
    undone = session.undo()
    assert undone.box == box and undone.message == "" and (ann.labels == 255).all()
    assert session.redo().box == box and (ann.labels[4, 4:11] == 1).all()
    assert session.redo() == Outcome(message="nothing to redo") and edits == [("a", box)] * 3


def test_accepting_matches_classes_by_name_keeps_strokes_and_honours_the_threshold(session, edits, tmp_path):
    source = open_image_file(photo(tmp_path / "a.png", w=2, h=2))
    with pytest.raises(Outside):
        session.accept(source, None, [])
    assert session.accept(source, None, [], add=True).message.startswith("no prediction")  # the image joined all the same
    ann = session.state.annotation
    ann.paint([(0.5, 0.5)], 2, 0.5)
    labels = np.array([[0, 1], [2, 3]], np.uint8)
    scores = np.zeros((4, 2, 2), np.float32)
    scores[:, 0, 1], scores[:, 1, 0] = 0.9, 0.2
    names = ["dog", "background", "cow", "cat"]
    mapped, none = session.accepted_labels(labels, names, scores)
    assert mapped.tolist() == [[2, 0], [255, 1]] and none is None
    session.state.threshold = 0.5
    outcome = session.accept(source, Prediction(labels, scores), names)
    assert ann.labels.tolist() == [[2, 0], [255, 255]] and outcome.box.shape == (1, 1) and edits[-1][1] == outcome.box
    session.state.threshold = 0.0
    session.accept(source, Prediction(labels, scores), names)
    assert ann.labels.tolist() == [[2, 0], [255, 1]]
    assert "changed nothing" in session.accept(source, Prediction(labels, scores), names).message


def test_held_out_flag_and_legend_picks(session, tmp_path):
    session.set_held_out(True)  # no image shown: nothing happens
    source = open_image_file(photo(tmp_path / "a.png"))
    session.annotation_for(source, add=True)
    session.set_held_out(True)
    assert session.project.held_out_names() == ["a"] and session.state.held_out()
    session.pick_class(2, ["background", "person", "cat"])
    assert session.state.label == 1
    session.pick_class(1, ["background", "person", "cat"])  # no such class in the project
    session.pick_class(9, ["background"])
    assert session.state.label == 1


def test_classes_edited_keep_the_label_in_range(session):
    session.state.label = 2
    session.project.delete_class("dog")
    session.classes_edited()
    assert session.state.label == 0 and session.state.class_names == ["background", "cat"]


def test_saving_reports_a_problem_once_and_says_when_it_heals(session, tmp_path):
    source = open_image_file(photo(tmp_path / "a.png"))
    ann = session.annotation_for(source, add=True)
    path = session.project.mask_path("a")
    os.chmod(path, stat.S_IRUSR)
    ann.paint([(3.5, 3.5)], 1, 1.0)
    job = session.save_job("a")
    assert isinstance(job, SaveMaskJob)
    with pytest.raises(MaskProblem) as failed:
        drain(job.run())
    assert session.save_failed("a", failed.value) and not session.save_failed("a", failed.value)
    assert set(session.unsaved_on_close()) == {"a"}  # closing now would lose the stroke
    os.chmod(path, 0o644)
    _, written = drain(session.save_job("a").run())
    assert session.saved("a", written) == f"a: saved again ({path})" and session.saved("a", written) == ""
    assert session.unsaved_on_close() == {}


def test_closing_writes_what_no_save_job_wrote_yet(session, tmp_path):
    ann = session.annotation_for(open_image_file(photo(tmp_path / "a.png")), add=True)
    ann.paint([(3.5, 3.5)], 1, 1.0)
    assert not session.project.is_saved("a")
    assert session.unsaved_on_close() == {} and np.array(Image.open(session.project.mask_path("a")))[3, 3] == 1
    assert AnnotationSession().unsaved_on_close() == {}


def test_removing_the_shown_image_clears_it(session, tmp_path):
    source = open_image_file(photo(tmp_path / "a.png"))
    session.annotation_for(source, add=True)
    session.predicted_by["a"] = "round-001"
    kept = session.remove("a")
    assert (kept / "images" / "a.png").is_file() and session.project.names == []
    assert session.state.annotation is None and session.state.name is None and session.name_of(source) is None
    assert session.predicted_by == {} and session.image_state(source) is None


def test_each_image_says_how_much_is_painted_its_flags_and_the_round_that_predicted_it(session, tmp_path):
    source = open_image_file(photo(tmp_path / "a.png", w=10, h=10))
    assert session.image_state(source) is None  # not in the project
    ann = session.annotation_for(source, add=True)
    changed = []
    session.events.changed.connect(changed.append)
    assert session.image_state(source) == ImageState("a", 0.0, False, False)
    session.commit(ann.paint([(2.0, 2.0)], 1, 1.0))  # a 2×2 dot: 4 of 100 px
    session.set_held_out(True)
    session.set_fully_painted(True)
    assert session.state.fully_painted() and session.project.dense_test_names() == ["a"]
    round_dir = session.project.next_round_dir()
    round_dir.mkdir(parents=True)
    (round_dir / "best.safetensors").write_bytes(b"")
    session.predicted(source, round_dir / "best.safetensors")
    session.predicted(source, tmp_path / "shipped.safetensors")  # not a round: the last round still stands
    state = session.image_state(source)
    assert state == ImageState("a", 0.04, True, True, "round-001")
    assert state.text == "4 % painted · test · fully painted · predicted by round-001"
    assert changed == ["a", "a", "a"]  # held out, fully painted, predicted: each redraws the image list once
    reopened = AnnotationSession()
    reopened.open(session.project.root)
    assert reopened.project.is_fully_painted("a") and reopened.project.is_held_out("a")  # kept in the folder


def test_rounds_are_refused_without_a_project_or_model_and_keep_their_results(session, tmp_path):
    settings = AnnotationTraining(updates=2)
    with pytest.raises(Refused, match="no model to fine-tune"):
        session.round_job(None, settings)
    with pytest.raises(Refused) as none:
        AnnotationSession().round_job(tmp_path / "m.safetensors", settings)
    assert str(none.value) == NO_PROJECT
    job = session.round_job(tmp_path / "m.safetensors", settings)
    assert isinstance(job, RoundJob) and job.project is session.project and job.settings is settings
    session.round_started()
    session.round_event(Evaluated("32s", 2, {"mean_iu": 0.5}, True))
    assert session.running and session.last_metrics == {"mean_iu": 0.5}
    done = RoundDone(tmp_path, tmp_path / "best.safetensors", StageFinished("32s", "done", 2))
    session.round_done(done)
    assert not session.running and session.rounds == [done]
    session.round_started()
    assert session.last_metrics is None
    session.round_ended()
    assert not session.running
