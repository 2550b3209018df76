"""Rounds are models with names: the catalog's label and tooltip, no init model."""

import numpy as np
from PIL import Image

from fcn_studio.app.annotate.project import AnnotationProject
from fcn_studio.app.annotate.round_summary import INIT_MODEL, PAINT_IT_ALL
from fcn_studio.app.annotate.training import AnnotationTraining, train_on_annotations
from fcn_studio.app.catalog import Catalog
from fcn_studio.data.classes import ClassList
from fcn_studio.engine.build import build_model
from fcn_studio.engine.model_info import ModelInfo

CLASSES = ClassList(("background", "coin"), np.array([[40, 40, 40], [200, 180, 0]], np.uint8))


def round_project(tmp_path, rounds=2):
    proj = AnnotationProject.create(tmp_path / "coins", CLASSES)
    for k in range(2):
        Image.fromarray(np.full((40, 40, 3), 40, np.uint8)).save(tmp_path / f"c{k}.png")
        proj.add_image(tmp_path / f"c{k}.png")
        proj.annotation(f"c{k}").paint([(5.0, 5.0), (30.0, 5.0)], 1 - k, 1.5)
        proj.save(f"c{k}")
    proj.set_held_out("c1", True)
    info = ModelInfo(arch="fcn32s", num_classes=2, width=0.0625, class_names=["background", "coin"])
    model = build_model("fcn32s", 2, 0.0625, info)
    settings = AnnotationTraining(updates=1, live_every_s=1e9, jitter=0)
    return proj, [train_on_annotations(proj, model, settings=settings) for _ in range(rounds)]


def test_rounds_are_named_in_the_catalog_and_their_init_model_is_not_offered(tmp_path):
    proj, done = round_project(tmp_path)
    catalog = Catalog(tmp_path / "no-shipped", tmp_path / "no-downloads")
    catalog.add_file(done[0].best_model)
    for round_dir in (d.run_dir for d in done):
        assert (round_dir / INIT_MODEL).is_file()
        catalog.add_file(round_dir / "best.safetensors")
    assert [e.path.name for e in catalog.entries] == ["best.safetensors", "best.safetensors"]  # no init.safetensors
    labels = [e.label for e in catalog.entries]
    assert labels[0].startswith("coins · round 1 · 1 updates · held-out mean IU ")
    assert labels[1].startswith("coins · round 2 · 1 updates · held-out mean IU ") and "(sparse: " in labels[1]
    tip = catalog.entries[1].tooltip
    assert "updates: 1" in tip and "lr: 0.0002" in tip and "kept the last update (1)" in tip and PAINT_IT_ALL in tip

