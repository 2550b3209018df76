"""How long does an opacity drag or a legend toggle take to redraw? `python -m fcn_studio.benchmarks.redraw`

On a 4000×3000 image with a 21-class label map, the overlay is redrawn two ways side by side, each
tick timed from the change to the repainted view:

- old: rebuild the H×W×4 RGBA overlay (`app.overlay.overlay_rgba`) and `setImage` it, as the
  window did on every opacity tick and legend click;
- new: the label map is drawn once through a 256-entry colour table (`ImagePane`), so an opacity
  tick sets the layer's opacity and a toggle rewrites the table.

Prints the medians, the ratios and the machine's CPU.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from typing import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fcn_studio.app.overlay import label_lut, overlay_rgba  # noqa: E402
from fcn_studio.engine.backends.cpu import cpu_description  # noqa: E402
from fcn_studio.gui.image_view import ImagePane  # noqa: E402
from fcn_studio.palette import voc_palette  # noqa: E402

log = logging.getLogger("fcn_studio.benchmarks.redraw")


def scene(width: int, height: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An RGB photo stand-in and a blocky label map (regions of 50×50 px), as a segmentation looks."""
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    blocks = rng.integers(0, classes, (height // 50 + 1, width // 50 + 1), dtype=np.uint8)
    labels = np.ascontiguousarray(blocks.repeat(50, 0).repeat(50, 1)[:height, :width])
    return rgb, labels


class Stage:
    """One view with an ImagePane showing the image, repainted synchronously after each change."""

    def __init__(self, rgb: np.ndarray):
        self.view = pg.GraphicsView()
        self.pane = ImagePane(pg.ViewBox())
        self.view.setCentralItem(self.pane.view)
        self.view.resize(1000, 750)
        self.view.show()
        self.pane.set_image(rgb)

    def tick(self, change: Callable[[], None]) -> float:
        """Milliseconds from the change to the repainted view."""
        start = time.perf_counter()
        change()
        self.view.viewport().repaint()
        QApplication.processEvents()
        return 1000 * (time.perf_counter() - start)


def measure(stage: Stage, changes: list[Callable[[], None]]) -> list[float]:
    stage.tick(changes[0])  # warm-up: the first paint allocates
    return [stage.tick(change) for change in changes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--ticks", type=int, default=20, help="opacity steps of the drag (default 20)")
    parser.add_argument("--toggles", type=int, default=10, help="legend clicks (default 10)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    app = QApplication.instance() or QApplication([])
    palette = voc_palette(21)
    rgb, labels = scene(args.width, args.height, len(palette))
    opacities = list(np.linspace(0.2, 0.8, args.ticks))
    hidden_sets = [{1} if i % 2 == 0 else set() for i in range(args.toggles)]

    old = Stage(rgb)
    state = {"opacity": 0.5, "hidden": set()}

    def old_draw() -> None:
        old.pane.overlay.setImage(overlay_rgba(labels, palette, state["opacity"], state["hidden"]), levels=(0, 255))

    def old_opacity(value: float) -> Callable[[], None]:
        return lambda: (state.update(opacity=value), old_draw())

    def old_toggle(hidden: set[int]) -> Callable[[], None]:
        return lambda: (state.update(hidden=hidden, opacity=0.5), old_draw())

    old_drag = measure(old, [old_opacity(v) for v in opacities])
    old_click = measure(old, [old_toggle(h) for h in hidden_sets])
    old.view.close()

    new = Stage(rgb)
    new.pane.set_lut(label_lut(palette))
    new.pane.set_opacity(0.5)
    new.pane.set_overlay(labels)
    new_drag = measure(new, [lambda v=v: new.pane.set_opacity(v) for v in opacities])
    new_click = measure(new, [lambda h=h: new.pane.set_lut(label_lut(palette, h)) for h in hidden_sets])
    new.view.close()
    app.processEvents()

    log.info("overlay redraw on a %d×%d image, 21 classes — %s, %d cores", args.width, args.height, cpu_description(),
             os.cpu_count() or 0)
    for what, before, after in (("opacity drag tick", old_drag, new_drag), ("legend toggle", old_click, new_click)):
        b, a = float(np.median(before)), float(np.median(after))
        log.info("  %-18s old (RGBA rebuild + setImage) %7.1f ms   new (colour table) %6.1f ms   %6.1f× faster"
                 " (medians of %d)", what, b, a, b / max(a, 1e-9), len(before))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
