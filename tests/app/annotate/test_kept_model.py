"""The model a round keeps: the last update unless fully painted test images say otherwise, and a
held-out score that always says what it covers."""

import numpy as np
import pytest
import torch
from PIL import Image

from fcn_studio.app.annotate.kept_model import CANDIDATES, RoundKeeper
from fcn_studio.app.annotate.project import AnnotationProject
from fcn_studio.app.annotate.round_summary import PAINT_IT_ALL, round_label, score_text
from fcn_studio.app.annotate.training import AnnotationTraining, train_on_annotations
from fcn_studio.data.classes import ClassList
from fcn_studio.engine.build import build_model
from fcn_studio.engine.model_info import ModelInfo
from fcn_studio.engine.weights import load_model, read_info
from fcn_studio.training.events import Evaluated

CLASSES = ClassList(("background", "square"), np.array([[40, 40, 40], [250, 0, 0]], np.uint8))


def _model() -> torch.nn.Module:
    info = ModelInfo(arch="fcn32s", num_classes=2, width=0.0625, class_names=["background", "square"])
    return build_model("fcn32s", 2, 0.0625, info)


def _predicting(model, label: int):
    """`model` set to predict `label` everywhere (a constant score layer)."""
    with torch.no_grad():
        model.score_fr.weight.zero_()
        model.score_fr.bias.copy_(torch.tensor([5.0, -5.0] if label == 0 else [-5.0, 5.0]))
    return model


@pytest.fixture
def project(tmp_path):
    proj = AnnotationProject.create(tmp_path / "coins", CLASSES)
    for k in range(4):
        Image.fromarray(np.full((40, 40, 3), 40, np.uint8)).save(tmp_path / f"t{k}.png")
        name = proj.add_image(tmp_path / f"t{k}.png")
        proj.annotation(name).paint([(5.0, 5.0), (30.0, 5.0)], 0, 1.5)  # a scribble of background
        proj.save(name)
    return proj


def _fully_paint(proj, name, label=0):
    ann = proj.annotation(name)
    ann.accept(np.full(ann.shape, label, np.uint8))
    proj.save(name)
    proj.set_held_out(name, True)
    proj.set_fully_painted(name, True)


def test_without_a_dense_test_image_the_last_update_is_kept_whatever_the_scores(project, tmp_path):
    project.set_held_out("t3", True)  # scribbled only
    keeper = RoundKeeper(project)
    assert keeper.dense is None
    good, bad = _predicting(_model(), 0), _predicting(_model(), 1)
    keeper.heard(Evaluated("32s", 100, {"mean_iu": 1.0, "images": 1}, True), good)
    keeper.heard(Evaluated("32s", 200, {"mean_iu": 0.5, "images": 1, "labelled_pixels": 90, "pixels": 1600,
                                        "labelled_fraction": 90 / 1600, "dense_images": 0}, False), bad)
    kept, note = keeper.keep(bad, 200, tmp_path, {"project": "coins", "number": 1})
    assert kept.update == 200 and "scores on scribbles cannot rank them" in kept.reason
    saved = load_model(tmp_path / "best.safetensors")
    assert torch.equal(saved.score_fr.bias, bad.score_fr.bias)  # the last, not the "best-scoring" one
    assert note["kept_update"] == 200 and note["held_out"]["dense"] is False
    assert read_info(tmp_path / "best.safetensors").notes["round"]["kept_reason"] == kept.reason


def test_a_dense_held_out_score_keeps_an_earlier_update_only_when_clearly_better(project, tmp_path):
    _fully_paint(project, "t2")
    _fully_paint(project, "t3")
    assert project.dense_test_names() == ["t2", "t3"]
    keeper = RoundKeeper(project)
    model = _predicting(_model(), 0)
    keeper.heard(Evaluated("32s", 100, {"mean_iu": 1.0}, True), model)  # right on both dense images
    _predicting(model, 1)  # the same object trains on: now wrong everywhere
    keeper.heard(Evaluated("32s", 200, {"mean_iu": 0.0}, False), model)
    kept, note = keeper.keep(model, 200, tmp_path, {"project": "coins", "number": 2})
    assert kept.update == 100 and "not the last (200)" in kept.reason
    saved = load_model(tmp_path / "best.safetensors")
    assert saved.score_fr.bias[0] > saved.score_fr.bias[1]  # update 100's weights were restored
    assert note["held_out"] == pytest.approx({"mean_iu": 1.0, "dense": True, "images": 2, "labelled_pixels": 3200,
                                              "labelled_fraction": 1.0, "coverage": note["held_out"]["coverage"]})
    assert score_text(note["held_out"]) == "held-out mean IU 1.00 (dense, 2 images)"
    assert round_label({**note, "updates": 200}) == "coins · round 2 · 200 updates · held-out mean IU 1.00 (dense, 2 images)"


def test_a_sparse_held_out_score_reports_its_coverage_and_is_never_a_bare_figure(project):
    project.set_held_out("t3", True)
    settings = AnnotationTraining(updates=2, eval_every=1, live_every_s=1e9, jitter=0)
    done = train_on_annotations(project, _model(), settings=settings)
    held = done.note["held_out"]
    assert held["dense"] is False and 0 < held["labelled_fraction"] < 0.2 and held["images"] == 1
    assert held["coverage"] == f"on {held['labelled_pixels']} labelled pixels, {100 * held['labelled_fraction']:.0f} % of 1 image"
    words = score_text(held)
    assert words.startswith(f"held-out mean IU {held['mean_iu']:.2f} on ") and words.endswith(PAINT_IT_ALL)
    assert "(sparse: " in round_label(done.note) and "not trustworthy" in round_label(done.note)
    assert done.kept.update == 2 and done.note["number"] == 1 and done.note["project"] == "coins"


def test_a_fully_painted_test_image_gives_a_dense_figure_and_never_enters_training(project):
    _fully_paint(project, "t3")
    assert "t3" not in project.training_names()
    assert "t3" not in (project.root / "train.txt").read_text().split()
    assert (project.root / "val-dense.txt").read_text().split() == ["t3"]
    settings = AnnotationTraining(updates=2, eval_every=1, live_every_s=1e9, jitter=0)
    done = train_on_annotations(project, _model(), settings=settings)
    assert done.note["held_out"]["dense"] is True and done.note["held_out"]["labelled_fraction"] == 1.0
    assert score_text(done.note["held_out"]).endswith("(dense, 1 image)")
    assert "one fully painted test image cannot measure" in done.kept.reason and done.kept.update == 2


def test_a_long_round_keeps_the_weights_of_its_best_few_updates_only(project, tmp_path):
    _fully_paint(project, "t2")
    _fully_paint(project, "t3")
    keeper = RoundKeeper(project)
    model = _model()
    for update, label in zip(range(100, 800, 100), (1, 1, 0, 1, 1, 1, 1)):  # only update 300 is right
        keeper.heard(Evaluated("32s", update, {"mean_iu": 0.0}, False), _predicting(model, label))
    assert len(keeper.weights) == CANDIDATES + 1 and 300 in keeper.weights and 700 in keeper.weights
    kept, _ = keeper.keep(model, 700, tmp_path, {"project": "coins", "number": 3})
    assert kept.update == 300
