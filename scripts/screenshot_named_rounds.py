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
from pathlib import Path

from PySide6.QtWidgets import QApplication

from pump import join_workers, pump
from scene_project import paint_scene, scene_project

UPDATES = 20


def main(docs: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window, project, data = scene_project(app, 128, "coins")
    control = window.annotate
    for k in range(4):
        paint_scene(app, window, project, data, k, whole=k == 3)  # the fourth painted completely
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
