"""Brush latency in the real window, stroke segment to screen (issue 18): `python -m fcn_studio.benchmarks.brush_latency`

A MainWindow (offscreen Qt, 1280×800, no model) shows a W×H photo with a prediction-like overlay (a
blocky label map through the view's colour table; no net is run), a new annotation project and the
brush; one left-button drag of N mouse moves crosses the image at the fitted zoom. Each move is timed
from handing its QMouseEvent to the image view's viewport (ImageView → PaintTool → stroke_to → the
layer recolours the segment's box; the readout follows) until the event loop has run the viewport's
next paintEvent, which Qt schedules for the dirty region only (MinimalViewportUpdate), as for a real
mouse. No whole-viewport `repaint()` is forced (that would overstate the cost) and the queued work
(the scene's dirty-item pass) is counted. Left out: the OS delivering the event, the compositor/vsync.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PIL import Image
from PySide6.QtCore import QEvent, QObject, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from .redraw import scene
from fcn_studio.app.overlay import label_lut
from fcn_studio.engine.backends.cpu import cpu_description
from fcn_studio.app.annotate.workspace import new_label_set
from fcn_studio.app.catalog import Catalog
from fcn_studio.app.session import Session
from fcn_studio.gui.main_window import MainWindow
from fcn_studio.palette import voc_palette

WINDOW, TIMEOUT_S = (1280, 800), 120.0
LEFT, NO_BUTTON, NO_KEYS = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier


class PaintWatch(QObject):
    """Counts the paint events a widget gets and the area they repaint."""

    def __init__(self, widget: QWidget):
        super().__init__(widget)
        self.paints, self.area = 0, 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
            self.area += event.rect().width() * event.rect().height()
        return False


def wait_until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"brush latency: {what} took over {TIMEOUT_S:.0f} s")
        QApplication.processEvents()


def painting_window(folder: Path, width: int, height: int, radius: float) -> MainWindow:
    """The window showing a width×height photo with an overlay, in a new project, brush chosen."""
    (folder / "no-models").mkdir()
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Session(Catalog(folder / "no-models")), settings)
    window.resize(*WINDOW)
    window.show()
    rgb, labels = scene(width, height, 21)
    Image.fromarray(rgb).save(folder / "photo.png", compress_level=1)
    window.opener.open_paths([folder / "photo.png"])
    wait_until(lambda: window.view_model.image is not None and not window.busy(), "opening the photo")
    control = window.annotate
    if control.create_project(folder / "project", new_label_set(["background", "object"]),
                              window.view_model.session.images) is None:
        raise RuntimeError(f"brush latency: no annotation project could be made in {folder}")
    control.state.radius, control.state.label = radius, 1
    pane = window.image_view.pane
    pane.set_lut(label_lut(voc_palette(21), opacity=0.5))
    pane.set_overlay(labels)
    pane.fit()
    return window


def drag_path(width: int, height: int, segments: int) -> list[tuple[float, float]]:
    """One figure-of-eight across the image, in image coordinates."""
    t = np.linspace(0, 2 * np.pi, segments + 1)
    return [(width / 2 + 0.4 * width * np.sin(a), height / 2 + 0.4 * height * np.sin(2 * a)) for a in t]


def _xy(points: list) -> np.ndarray:  # QPoint / QPointF → n×2
    return np.array([(q.x(), q.y()) for q in points], float)


def brush_latency(folder: Path, width: int = 4000, height: int = 3000, segments: int = 200,
                  radius: float = 12.0) -> dict[str, object]:
    """Times per mouse move of one drag (see the module docstring); also the mask and where it was painted."""
    app = QApplication.instance() or QApplication([])
    window = painting_window(folder, width, height, radius)
    view, port = window.image_view, window.image_view.viewport()
    screen = [view.mapFromScene(view.pane.view.mapViewToScene(QPointF(x, y))) for x, y in drag_path(width, height, segments)]
    watch = PaintWatch(port)
    QTest.mousePress(port, LEFT, NO_KEYS, screen[0])
    wait_until(lambda: watch.paints > 0, "painting the press")  # the press's segment is on screen before the clock
    watch.paints = watch.area = 0
    took = []
    for p in screen[1:]:
        move = QMouseEvent(QEvent.Type.MouseMove, QPointF(p), QPointF(port.mapToGlobal(p)), NO_BUTTON, LEFT, NO_KEYS)
        before, start = watch.paints, time.perf_counter()
        app.sendEvent(port, move)
        wait_until(lambda before=before: watch.paints > before, "the repaint after a mouse move")
        took.append(time.perf_counter() - start)
    frames, area = watch.paints, watch.area
    QTest.mouseRelease(port, LEFT, NO_KEYS, screen[-1])
    wait_until(lambda: not window.busy(), "saving the mask")
    drawn = [view.pane.view.mapSceneToView(view.mapToScene(p)) for p in screen]
    screen_step, image_step = (float(np.hypot(*np.diff(_xy(points), axis=0).T).mean()) for points in (screen, drawn))
    result = {"median_ms": 1e3 * statistics.median(took), "max_ms": 1e3 * max(took), "frames": frames,
              "px_per_frame": area / max(frames, 1), "screen_px_per_segment": screen_step,
              "image_px_per_segment": image_step, "viewport": (port.width(), port.height()), "radius": radius,
              "mask": window.annotate.state.annotation.labels.copy(), "drag": [tuple(xy) for xy in _xy(drawn)]}
    window.close()
    window.deleteLater()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="4000x3000", help="W×H of the photo (default 4000x3000)")
    parser.add_argument("--segments", type=int, default=200, help="mouse moves of the drag (default 200)")
    parser.add_argument("--radius", type=float, default=12.0, help="brush radius in image px (default 12)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().replace("×", "x").split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        r = brush_latency(Path(tmp), width, height, args.segments, args.radius)
    print(f"brush, stroke segment to screen, on a {width}×{height} image in the real window (offscreen Qt, "
          f"viewport {r['viewport'][0]}×{r['viewport'][1]}, fitted) — {cpu_description()}, {os.cpu_count()} cores")
    print(f"  radius {r['radius']:g} px, {args.segments} mouse moves of {r['screen_px_per_segment']:.0f} screen px "
          f"({r['image_px_per_segment']:.0f} image px) each, {r['frames']} repaints of {r['px_per_frame']:.0f} px")
    print(f"  event → repainted viewport   median {r['median_ms']:.2f} ms   max {r['max_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
