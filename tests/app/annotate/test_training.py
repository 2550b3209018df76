"""A "train on my annotations" round on a tiny project: a normal run folder, held-out metrics, live models."""

import numpy as np
import pytest
import torch
from PIL import Image

from fcn_studio.app.annotate.project import AnnotationProject
from fcn_studio.app.annotate.training import (
    INIT_MODEL, AnnotationTraining, LiveModel, for_project, stage_of, train_on_annotations)
from fcn_studio.data.classes import ClassList
from fcn_studio.data.folder import FolderDataset
from fcn_studio.engine.build import build_model
from fcn_studio.engine.model_info import ModelInfo
from fcn_studio.engine.weights import read_info
from fcn_studio.errors import DatasetError, RecipeError
from fcn_studio.training.events import Evaluated
from fcn_studio.training.run_folder import read_config
from fcn_studio.training.stages import resume

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

CLASSES = ClassList(("background", "square", "disc"), np.array([[0, 0, 0], [250, 0, 0], [0, 0, 250]], np.uint8))


@pytest.fixture
def project(tmp_path):
    proj = AnnotationProject.create(tmp_path / "proj", CLASSES)
    for k in range(3):
        rgb = np.full((48, 48, 3), 40, np.uint8)
        rgb[8 + k:24 + k, 8:24] = (250, 20, 20)
        Image.fromarray(rgb).save(tmp_path / f"img{k}.png")
        name = proj.add_image(tmp_path / f"img{k}.png")
        ann = proj.annotation(name)
        ann.paint([(12.0, 12.0 + k), (20.0, 20.0 + k)], 1, 1.5)  # a scribble inside the square
        ann.paint([(36.0, 5.0), (40.0, 44.0)], 0, 1.5)  # and one on the background
        proj.save(name)
    proj.set_held_out("img2", True)
    return proj


def small_model():
    info = ModelInfo(arch="fcn32s", num_classes=3, width=0.0625, class_names=["background", "cat", "square"])
    return build_model("fcn32s", 3, 0.0625, info)


def test_stage_of_names_the_stage_the_registry_gives():
    assert [stage_of(a) for a in ("fcn32s", "fcn8s", "alexnet-fcn16s", "fcn8s-atonce", "googlenet-fcn32s")] == \
        ["32s", "8s", "16s", "atonce", "32s"]
    for name in ("unet", "xfcn8s", "alexnet-fcn8s-atonce"):  # a regex on the name took the last two
        with pytest.raises(RecipeError, match="not an FCN this program trains"):
            stage_of(name)


def test_the_model_is_adapted_to_the_project_classes(project):
    model = small_model()
    adapted = for_project(model, project)
    assert adapted.info.class_names == ["background", "square", "disc"] and adapted.info.palette[1] == [250, 0, 0]
    assert for_project(adapted, project) is adapted


def test_a_round_writes_a_normal_run_and_reports_held_out_metrics_and_live_models(project):
    events = []
    settings = AnnotationTraining(updates=6, eval_every=3, live_every_s=0.0, jitter=2)
    done = train_on_annotations(project, small_model(), settings=settings, on_event=events.append)
    assert done.result.status == "done" and done.run_dir == project.root / "rounds" / "round-001"
    assert project.next_round_dir().name == "round-002" and project.round_models() == [done.best_model]
    assert read_info(done.run_dir / INIT_MODEL).class_names == ["background", "square", "disc"]
    assert read_info(done.best_model).class_names == ["background", "square", "disc"]
    config = read_config(done.run_dir)
    assert (config.train_split, config.val_split, config.stage) == ("train", "val", "32s")
    evals = [e for e in events if isinstance(e, Evaluated)]
    assert [e.iteration for e in evals] == [3, 6]
    assert evals[-1].metrics["images"] == 1 and len(evals[-1].metrics["iu"]) == 3
    lives = [e for e in events if isinstance(e, LiveModel)]
    assert [e.iteration for e in lives] == [1, 2, 3, 4, 5, 6]
    assert not lives[-1].model.training
    assert not torch.equal(lives[0].model.score_fr.weight, lives[-1].model.score_fr.weight)
    assert resume(done.run_dir)[0].message == "already finished"
    with pytest.raises(RecipeError, match="already holds a run"):  # the stage runner's own check
        train_on_annotations(project, small_model(), done.run_dir)


def test_nothing_painted_is_refused(tmp_path):
    proj = AnnotationProject.create(tmp_path / "empty", CLASSES)
    with pytest.raises(DatasetError, match="no painted images"):
        train_on_annotations(proj, small_model())


def test_a_broken_mask_stops_the_round_before_anything_is_written(project):
    project.mask_path("img0").write_bytes(b"\x89PNG not really")
    with pytest.raises(DatasetError, match="img0"):
        train_on_annotations(project, small_model(), settings=AnnotationTraining(updates=1))
    round_dir = project.root / "rounds" / "round-001"
    assert not (round_dir / INIT_MODEL).exists() and not (round_dir / "config.json").exists()


def test_strokes_saved_during_a_round_are_read_at_the_next_turn(project):
    dataset = FolderDataset(project.root, "train")
    before = int((dataset[0][1] != 255).sum())
    project.annotation(dataset.ids[0]).paint([(2.0, 40.0)], 0, 2.0)
    project.save(dataset.ids[0])
    assert int((dataset[0][1] != 255).sum()) > before


def test_a_short_round_is_evaluated_at_its_end_and_a_long_one_every_100_updates():
    assert AnnotationTraining(updates=4).recipe().eval_every == 4
    assert AnnotationTraining(updates=300).recipe().eval_every == 100
