"""Write docs/screenshot-annotate-training.png: a training round on one's own annotations, live.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=.:scripts python scripts/screenshot_annotate_training.py [OUT.png]

Opens four new synthetic scenes of 192 px, makes an annotation project of them with two classes
(background, shape), scribbles a few strokes a scene where the scenes' own masks say what is
there (about a fifth of the pixels, in 5 px strokes), keeps the last scene for
testing, and starts "Train on my annotations" (300 updates, a live prediction every 5 s) from the
shipped FCN-8s. The window is saved once the round is three quarters done, then the round is
cancelled; everything happens in scratch folders, the user's settings untouched.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from pump import join_workers, pump
from scene_project import paint_scene, scene_project


def main(out: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window, project, data = scene_project(app, 192, "paint-proj", avoid_model_colours=False)
    control = window.annotate
    for k in range(4):
        paint_scene(app, window, project, data, k)
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
