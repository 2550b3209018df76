"""Write docs/screenshot-annotate-training.png: a training round on one's own annotations, live.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python scripts/screenshot_annotate_training.py [OUT.png]

Opens four new synthetic scenes of 192 px, makes an annotation project of them with two classes
(background, shape), scribbles a few strokes a scene where the scenes' own masks say what is
there (about a fifth of the pixels, in 5 px strokes), keeps the last scene for
testing, and starts "Train on my annotations" (300 updates, a live prediction every 5 s) from the
shipped FCN-8s. The window is saved once the round is three quarters done, then the round is
cancelled; everything happens in scratch folders, the user's settings untouched.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from fcn_studio.app.annotate.raster import full_box
from fcn_studio.app.annotate.workspace import new_label_set
from fcn_studio.app.jobs import Lane
from fcn_studio.app.catalog import Catalog
from fcn_studio.app.note_rules import PHOTO_NOTE_KEY
from fcn_studio.app.session import Session
from fcn_studio.data.synthetic.writer import make_synthetic
from fcn_studio.gui.main_window import MainWindow
from fcn_studio.paths import models_dir
from pump import join_workers, pump

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


def main(out: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    scratch = Path(tempfile.mkdtemp(prefix="fcn-studio-shot-"))
    data = make_synthetic(scratch / "scenes", n=4, size=192, seed=9, val_fraction=0.0)
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("device", "cpu")
    settings.setValue(PHOTO_NOTE_KEY, "true")  # the note about photos and synthetic models, read once already
    window = MainWindow(Session(Catalog(models_dir())), settings)
    window.resize(1280, 800)
    window.show()
    images = sorted((data / "JPEGImages").iterdir())
    window.opener.open_paths(images)
    pump(app, lambda: not window.busy(), 600)
    vm, control = window.view_model, window.annotate
    project = control.create_project(scratch / "paint-proj", new_label_set(["background", "shape"]),
                                     list(vm.session.images))
    for image, path in zip(list(vm.session.images), images):
        vm.image = image
        pump(app, lambda: not window.busy(), 600)
        truth = np.array(Image.open(data / "SegmentationClass" / f"{path.stem}.png"))
        for label, points in scribbles(truth):
            control.state.annotation.paint(points, label, RADIUS)
        control.session.commit(full_box(truth.shape))  # as a finished stroke: redrawn, saved on the save lane
        pump(app, lambda: not window.runner.busy(Lane.SAVE) and project.is_saved(control.state.name), 600)
    window.annotate.panel.held_out.setChecked(True)  # the last scene, the shown one: kept for testing
    control.state.tool = "brush"
    box = window.training.panel.annotations
    box.updates.setValue(300)
    box.live_every.setValue(5.0)
    window.train_on_annotations()
    progress = window.training.panel.plots.progress
    pump(app, lambda: progress.value() >= 75 or not control.session.running, 900)
    pump(app, lambda: False, 0.5)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(out))
    window.training.cancel()
    pump(app, lambda: not control.session.running and not window.runner.busy(), 120)
    window.close()
    join_workers()
    print(out, "saved" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshot-annotate-training.png")))
