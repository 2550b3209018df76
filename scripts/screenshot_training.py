"""Write docs/screenshot-training.png: the window with the Training dock after a short staged run.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python scripts/screenshot_training.py [OUT.png]

Fine-tunes the shipped FCN-8s ("FCN-8s from current model") on 40 new synthetic scenes of 192 px (the shipped models' size)
with the form's defaults for a CPU (app/train_defaults.py: Adam at a third of the lr after an Adam
model, an evaluation every tenth of the run) but 60 updates instead of 400, so it takes minutes,
in scratch folders; the user's settings are not touched.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from fcn_studio.app.catalog import Catalog
from fcn_studio.app.session import Session
from fcn_studio.gui.main_window import MainWindow
from fcn_studio.data.synthetic.writer import make_synthetic
from fcn_studio.paths import models_dir, sample_images
from pump import pump


def main(out: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    scratch = Path(tempfile.mkdtemp(prefix="fcn-studio-shot-"))
    data = scratch / "scenes"
    make_synthetic(data, n=40, size=192, seed=5)
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("device", "cpu")
    window = MainWindow(Session(Catalog(models_dir())), settings)
    window.resize(1280, 960)
    window.show()
    window.opener.open_paths([sample_images()[0]])
    # Segment (and export) the scene first: a tracing export beside a training step can fail.
    pump(app, lambda: not window.busy())
    form = window.training.panel.form
    window.training.show()
    form.data.setText(str(data))
    form.validate_now()
    pump(app, lambda: not form.checking)  # the dataset check runs on a worker thread; Start waits for it
    form.set_stage("8s", from_current=True)
    form.iterations.setValue(60)  # the rest as a new user finds it: the CPU's defaults
    form.out.setText(str(scratch / "runs" / "scenes-8s"))
    form.start.click()
    pump(app, lambda: not (window.training.busy() or window.busy()), 600)
    if window.training.busy():  # past the deadline: stop it rather than ask the (absent) user about quitting
        window.training.cancel()
        pump(app, lambda: not window.training.busy())
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(out))
    window.close()
    print(out, "saved" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshot-training.png")))
