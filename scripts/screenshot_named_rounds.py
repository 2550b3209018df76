"""Write docs/screenshot-named-rounds.png (the model picker with two named rounds) and
docs/screenshot-image-list.png (the window: the image list's per-image state, the Annotate dock).

    QT_QPA_PLATFORM=offscreen PYTHONPATH=.:scripts python scripts/screenshot_named_rounds.py [DOCS]

Opens four synthetic scenes of 128 px, makes a project of them (background, shape), scribbles the
first three where the scenes' masks say what is there, keeps the third for testing (scribbled)
and the fourth for testing fully painted (its mask accepted whole, then marked fully painted), and
runs two short rounds of "Train on my annotations" from the shipped FCN-8s. Scratch folders only.
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
from fcn_studio.app.catalog import Catalog
from fcn_studio.app.jobs import Lane
from fcn_studio.app.note_rules import PHOTO_NOTE_KEY
from fcn_studio.app.session import Session
from fcn_studio.data.synthetic.writer import make_synthetic
from fcn_studio.gui.main_window import MainWindow
from fcn_studio.paths import models_dir
from pump import join_workers, pump
from screenshot_annotate_training import RADIUS, scribbles

UPDATES = 20


def main(docs: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    scratch = Path(tempfile.mkdtemp(prefix="fcn-studio-shot-"))
    data = make_synthetic(scratch / "scenes", n=4, size=128, seed=9, val_fraction=0.0)
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("device", "cpu")
    settings.setValue(PHOTO_NOTE_KEY, "true")
    window = MainWindow(Session(Catalog(models_dir())), settings)
    window.resize(1280, 800)
    window.show()
    images = sorted((data / "JPEGImages").iterdir())
    window.opener.open_paths(images)
    pump(app, lambda: not window.busy(), 600)
    vm, control = window.view_model, window.annotate
    project = control.create_project(scratch / "coins", new_label_set(["background", "shape"], avoid=vm.palette),
                                     list(vm.session.images))
    for k, (image, path) in enumerate(zip(list(vm.session.images), images)):
        vm.image = image
        pump(app, lambda: not window.busy(), 600)
        truth = np.array(Image.open(data / "SegmentationClass" / f"{path.stem}.png"))
        shape = np.where(truth == 255, 255, (truth != 0).astype(np.uint8))
        if k == 3:
            control.state.annotation.accept(shape)  # painted completely
        else:
            for label, points in scribbles(truth):
                control.state.annotation.paint(points, label, RADIUS)
        control.session.commit(full_box(truth.shape))
        pump(app, lambda: not window.runner.busy(Lane.SAVE) and project.is_saved(control.state.name), 600)
        if k >= 2:
            control.panel.held_out.setChecked(True)
        if k == 3:
            control.panel.fully_painted.setChecked(True)
    box = window.training.panel.annotations
    box.updates.setValue(UPDATES)
    box.live_every.setValue(60.0)
    for _ in range(2):
        window.train_on_annotations()
        pump(app, lambda: not control.session.running and not window.runner.busy(), 900)
    pump(app, lambda: not window.busy(), 600)
    docs.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(docs / "screenshot-image-list.png"))
    combo = window.actions.model_combo
    combo.showPopup()
    pump(app, lambda: False, 0.5)
    popup = combo.view().window()
    ok &= popup.grab().save(str(docs / "screenshot-named-rounds.png"))
    combo.hidePopup()
    window.close()
    join_workers()
    print(docs, "saved" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")))
