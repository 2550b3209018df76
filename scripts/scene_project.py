"""The annotation screenshots' shared set-up: a window on scratch settings with four new synthetic
scenes open, an annotation project of them (background, shape), and each scene painted where its
own mask says what is there — scribbled along a few rows, or accepted whole."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from fcn_studio.app.annotate.project import AnnotationProject
from fcn_studio.app.annotate.raster import full_box
from fcn_studio.app.annotate.workspace import new_label_set
from fcn_studio.app.catalog import Catalog
from fcn_studio.app.jobs import Lane
from fcn_studio.app.note_rules import PHOTO_NOTE_KEY
from fcn_studio.app.session import Session
from fcn_studio.data.synthetic.writer import make_synthetic
from fcn_studio.gui.main_window import MainWindow
from fcn_studio.paths import models_dir
from pump import pump

ROW_STEP, POINT_STEP, RADIUS = 24, 4, 2.5  # strokes along every 24th row, 5 px wide


def scribbles(truth: np.ndarray) -> list[tuple[int, list[tuple[float, float]]]]:
    """(label, points) strokes along a few rows: runs of shape (1) and background (0) pixels."""
    strokes = []
    for y in range(ROW_STEP // 2, truth.shape[0], ROW_STEP):
        run: list[tuple[float, float]] = []
        label = None
        for x in range(2, truth.shape[1] - 2, POINT_STEP):
            here = int(truth[y, x] not in (0, 255))
            if here != label and len(run) > 1:
                strokes.append((label, run))
            if here != label:
                run, label = [], here
            run.append((x + 0.5, y + 0.5))
        if len(run) > 1:
            strokes.append((label, run))
    return strokes


def scene_project(app: QApplication, size: int, project_name: str,
                  avoid_model_colours: bool = True) -> tuple[MainWindow, AnnotationProject, Path]:
    """The window (1280×800, CPU, the photo note already read) with four scenes of `size` px open
    and segmented, a project `project_name` of them in a scratch folder (its two colours unlike the
    model's where asked); and the scenes' folder."""
    scratch = Path(tempfile.mkdtemp(prefix="fcn-studio-shot-"))
    data = make_synthetic(scratch / "scenes", n=4, size=size, seed=9, val_fraction=0.0)
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("device", "cpu")
    settings.setValue(PHOTO_NOTE_KEY, "true")  # the note about photos and synthetic models, read once already
    window = MainWindow(Session(Catalog(models_dir())), settings)
    window.resize(1280, 800)
    window.show()
    window.opener.open_paths(sorted((data / "JPEGImages").iterdir()))
    pump(app, lambda: not window.busy(), 600)
    vm = window.view_model
    project = window.annotate.create_project(scratch / project_name,
                                             new_label_set(["background", "shape"], avoid=vm.palette if avoid_model_colours else ()),
                                             list(vm.session.images))
    return window, project, data


def paint_scene(app: QApplication, window: MainWindow, project: AnnotationProject, data: Path, k: int,
                whole: bool = False) -> None:
    """Show scene `k`, paint it from its mask (scribbles, or the whole mask with `whole`), and wait
    until the project has saved it."""
    vm, control = window.view_model, window.annotate
    image = list(vm.session.images)[k]
    vm.image = image
    pump(app, lambda: not window.busy(), 600)
    truth = np.array(Image.open(data / "SegmentationClass" / f"{Path(image.path).stem}.png"))
    if whole:
        control.state.annotation.accept(np.where(truth == 255, 255, (truth != 0).astype(np.uint8)))
    else:
        for label, points in scribbles(truth):
            control.state.annotation.paint(points, label, RADIUS)
    control.session.commit(full_box(truth.shape))  # as a finished stroke: redrawn, saved on the save lane
    pump(app, lambda: not window.runner.busy(Lane.SAVE) and project.is_saved(control.state.name), 600)
