"""Write docs/screenshot-training.png: the window with the Training dock after a short staged run.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python scripts/screenshot_training.py [OUT.png]

Trains the tests' tiny colour set (3 classes) 32s → 16s → 8s with the form's defaults for a CPU
(app/train_defaults.py: width 1/8, Adam + poly, an evaluation every tenth of the run) but 40 updates
per stage instead of 400, so it takes minutes, in scratch folders; the user's settings are not touched.
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
from tests.compact_models import write_family, write_image
from tests.training.conftest import write_colour_set


def main(out: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    scratch = Path(tempfile.mkdtemp(prefix="fcn-studio-shot-"))
    models = write_family(scratch / "models", family="demo (random weights)")
    data = write_colour_set(scratch / "colour-set", n_train=8, n_val=4, size=48)
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("device", "cpu")
    window = MainWindow(Session(Catalog(models.get("8s").parent)), settings)
    window.resize(1280, 960)
    window.show()
    window.opener.open_paths([write_image(scratch / "scene.png", size=192, mask=True)])
    while window.busy():  # segment (and export) the scene first: a tracing export beside a training step can fail
        app.processEvents()
        time.sleep(0.02)
    form = window.training.panel.form
    window.training.show()
    form.data.setText(str(data))
    form.validate_now()
    while form.checking:  # the dataset check runs on a worker thread; Start waits for it
        app.processEvents()
        time.sleep(0.02)
    form.set_stage("staged")
    form.iterations.setValue(40)  # the rest as a new user finds it: the CPU's defaults
    form.out.setText(str(scratch / "runs" / "colour-staged"))
    form.start.click()
    deadline = time.monotonic() + 600
    while (window.training.busy() or window.busy()) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    if window.training.busy():  # past the deadline: stop it rather than ask the (absent) user about quitting
        window.training.cancel()
        while window.training.busy():
            app.processEvents()
            time.sleep(0.02)
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
