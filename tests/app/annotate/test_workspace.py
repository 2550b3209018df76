"""The annotate mode's Qt-free state and jobs: evented fields, readouts, saving, live prediction."""

import dataclasses
import errno

import numpy as np
import pytest
from PIL import Image

from fcn_studio.app.annotate import project as project_module
from fcn_studio.app.annotate.jobs import LivePredictJob, RoundJob, SaveMaskJob
from fcn_studio.app.annotate.project import AnnotationProject
from fcn_studio.app.annotate.training import AnnotationTraining, LiveModel
from fcn_studio.app.annotate.session import AnnotationSession
from fcn_studio.app.annotate.workspace import (BACKGROUND_COLOUR, MAX_BRUSH, MIN_BRUSH, AnnotateState, class_key,
                                               model_label_set, name_lut,
                                               new_label_set, usage_text)
from fcn_studio.errors import DatasetError, MaskProblem, SettingsError
from fcn_studio.app.session import open_image_file
from fcn_studio.engine import build_model, save_model
from fcn_studio.engine.model_info import ModelInfo
from tests.app.draining import drain


def photo(path, w=24, h=16, seed=0):
    rgb = np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)
    rgb[4:12, 6:18] = (240, 30, 30)
    Image.fromarray(rgb).save(path)
    return path


@pytest.fixture
def session(tmp_path):
    s = AnnotationSession()
    s.use(AnnotationProject.create(tmp_path / "proj", new_label_set(["background", "cat", "dog"])))
    return s


@pytest.fixture
def state(session):
    return session.state


def test_label_sets_from_a_model_or_typed_names():
    typed = new_label_set([" background", "cat ", "", "dog"])
    assert typed.names == ("background", "cat", "dog") and typed.palette[1].tolist() == [230, 159, 0]
    assert typed.palette[0].tolist() == list(BACKGROUND_COLOUR)  # visible on a dark photo: not black
    assert model_label_set(["a", "b"], [[1, 2, 90], [4, 5, 6]]).palette.tolist() == [[1, 2, 90], list(BACKGROUND_COLOUR)]
    shown_model = [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]]  # a new label set beside this model
    fresh = new_label_set(["background", "coin", "rim"], avoid=shown_model).palette.tolist()
    assert fresh[0] == list(BACKGROUND_COLOUR) and not {tuple(c) for c in fresh} & {tuple(c) for c in shown_model}
    assert len({tuple(c) for c in fresh}) == 3 and all(max(c) > 40 for c in fresh)
    with pytest.raises(SettingsError, match="must differ"):
        new_label_set(["cat", "cat"])
    with pytest.raises(SettingsError, match="at least one"):
        new_label_set([" ", ""])
    lut = name_lut(["background", "cat", "car"], ["cat", "background"])
    assert lut[:4].tolist() == [1, 0, 255, 255]
    assert usage_text({"a": 1000, "b": 204}) == "1,204 px in 2 images" and usage_text({"a": 3}) == "3 px in 1 image"
    assert [class_key(k) for k in (0, 1, 8, 9, 10, -1)] == ["1", "2", "9", "0", "", ""]


def test_fields_emit_once_and_stay_in_range(state):
    seen = []
    state.events.radius.connect(seen.append)
    state.bigger()
    state.bigger()
    state.smaller()
    assert seen == pytest.approx([7.5, 9.375, 7.5]) and state.brush_text() == "15 px"
    state.radius = 1e6
    state.radius = 0.0
    assert seen[-2:] == [MAX_BRUSH, MIN_BRUSH]
    state.label = 2
    state.label = 7  # no such class: ignored
    assert state.label == 2
    with pytest.raises(SettingsError, match="no tool"):
        state.tool = "spray"
    state.tool = "eraser"
    assert state.painting and not AnnotateState().painting
    state.threshold, state.opacity = 3.0, -1.0
    assert (state.threshold, state.opacity) == (1.0, 0.0)
    classes = []
    state.events.classes.connect(classes.append)
    state.project.delete_class("dog")
    state.set_classes(state.project.classes)
    assert state.label == 0 and state.class_names == ["background", "cat"] and classes == [state.project.classes]
    state.set_classes(state.project.classes)  # the same label set: nothing to tell
    assert len(classes) == 1


def test_fields_are_declared_once_as_an_evented_dataclass():
    fields = [f.name for f in dataclasses.fields(AnnotateState)]
    assert fields == ["tool", "radius", "label", "visible", "opacity", "threshold", "project", "classes", "name",
                      "annotation"]
    state, seen = AnnotateState(), []
    def heard(name):
        return lambda value: seen.append((name, value))

    for name in fields:
        getattr(state.events, name).connect(heard(name))
    state.visible = 0
    state.visible = False
    state.tool = "brush"
    assert seen == [("visible", False), ("tool", "brush")]


def test_readouts_of_the_shown_annotation(session, state, tmp_path):
    source = open_image_file(photo(tmp_path / "my cat.png"))
    session.add(source)
    ann = session.show(source)
    ann.paint([(8.5, 8.5)], 1, 0.5)
    assert state.hover_text(8, 8) == "annotation: cat" and state.hover_text(0, 0) == "annotation: unlabelled"
    assert state.hover_text(99, 0) == "" and not state.held_out()
    state.project.set_held_out("my_cat", True)
    assert state.held_out()


def test_save_job_writes_once_and_reports_a_full_disk_by_name(session, state, tmp_path, monkeypatch):
    source = open_image_file(photo(tmp_path / "a.png"))
    name = session.add(source)
    ann = session.show(source)
    ann.paint([(3.5, 3.5)], 2, 1.0)
    _, path = drain(SaveMaskJob(state.project, name).run())
    np.testing.assert_array_equal(np.array(Image.open(path)), ann.labels)
    assert drain(SaveMaskJob(state.project, name).run())[1] is None  # saved already: no second write

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(project_module, "label_png", full)
    ann.paint([(9.5, 9.5)], 1, 1.0)
    with pytest.raises(MaskProblem, match="No space left") as failed:
        drain(SaveMaskJob(state.project, name).run())
    assert str(state.project.mask_path(name)) in str(failed.value) and name in state.project.unsaved


def test_live_prediction_and_a_round_job(session, state, tmp_path):
    info = ModelInfo(arch="fcn32s", num_classes=3, width=0.0625, class_names=["background", "cat", "dog"],
                     palette=[[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    model = build_model("fcn32s", 3, 0.0625, info).eval()
    image = open_image_file(photo(tmp_path / "b.png"))
    _, live = drain(LivePredictJob(LiveModel(5, 1.0, model), image).run())
    assert live.image_key == image.key and live.prediction.labels.shape == (16, 24)
    assert live.class_names == ("background", "cat", "dog") and live.palette[2].tolist() == [4, 5, 6]
    assert live.label == "live, update 5"
    with pytest.raises(DatasetError, match="no painted images"):
        drain(RoundJob(state.project, save_model(model, tmp_path / "m.safetensors")).run())
    name = session.add(image)
    session.show(image).paint([(8.5, 8.5), (16.5, 8.5)], 1, 1.5)
    state.project.save(name)
    events, done = drain(RoundJob(state.project, tmp_path / "m.safetensors",
                                  AnnotationTraining(updates=2, live_every_s=0.0, jitter=0)).run())
    assert done.result.status == "done" and done.best_model.is_file()
    assert sum(isinstance(e, LiveModel) for e in events) == 2
