"""How long does the GUI event loop stall while the model runs? `python -m fcn_studio.benchmarks.gui_stall`

A QTimer ticks every 5 ms on the GUI thread and records the gaps between ticks while the real
MainWindow opens and segments images (all heads of a family) on its worker, and then while the
Training dock trains a compact FCN on a synthetic set. A responsive window keeps the longest gap
near the tick; a model run on the GUI thread would show up as a gap as long as the forward pass.
Also times a head switch on a cached image (issue #7 asks for < 30 ms). Prints the figures.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fcn_studio.app.catalog import Catalog  # noqa: E402
from fcn_studio.app.session import Session  # noqa: E402
from fcn_studio.data import make_synthetic  # noqa: E402
from fcn_studio.engine import ModelInfo, build_model, save_model  # noqa: E402
from fcn_studio.training import Recipe, StepDone  # noqa: E402
from fcn_studio.gui.app import settle_heap  # noqa: E402
from fcn_studio.gui.main_window import MainWindow  # noqa: E402

TICK_MS = 5


def write_models(folder: Path, width: float) -> None:
    for arch in ("fcn32s", "fcn16s", "fcn8s"):
        info = ModelInfo(arch=arch, num_classes=21, width=width, notes={"family": "bench"})
        save_model(build_model(arch, 21, width, info=info), folder / f"{arch}.safetensors")


def write_images(folder: Path, count: int, size: int) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for i in range(count):
        path = folder / f"im{i}.png"
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths


class Heartbeat:
    """Gaps between 5 ms ticks of a GUI-thread timer."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps.clear()
        self.clock.start()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        self.gaps.append(self.clock.nsecsElapsed() / 1e6)
        self.clock.restart()


def run_until(app: QApplication, done, timeout_s: float) -> None:
    end = time.monotonic() + timeout_s
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5, help="images to drop, the first a warm-up (default 5)")
    parser.add_argument("--size", type=int, default=320, help="image side in pixels (default 320)")
    parser.add_argument("--width", type=float, default=0.25, help="model width multiplier (default 0.25)")
    parser.add_argument("--train-seconds", type=float, default=20, help="how long to train while measuring (default 20)")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_models(tmp, args.width)
        paths = write_images(tmp, args.images, args.size)
        settings = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
        settings.setValue("device", "cpu")
        window = MainWindow(Session(Catalog(tmp)), settings)
        window.show()
        settle_heap()  # as the app does at launch
        beat = Heartbeat()
        beat.start()
        run_until(app, lambda: len(beat.gaps) > 100, 5)  # idle baseline
        idle = list(beat.gaps)
        # Warm-up image: loads the three models and builds the internals panes once (one-off
        # costs, not inference); the figure is about the steady state of segmenting images.
        window.opener.open_paths([paths[0]])
        run_until(app, lambda: window.busy(), 1)
        run_until(app, lambda: not window.busy(), 600)
        warm_passes = window.session.forward_passes
        beat.start()
        start = time.perf_counter()
        for path in paths[1:]:
            window.opener.open_paths([path])
            run_until(app, lambda: window.busy(), 1)
            run_until(app, lambda: not window.busy(), 600)
        elapsed = time.perf_counter() - start
        beat.stop()
        busy = np.array(beat.gaps)
        passes = window.session.forward_passes - warm_passes
        switch_ms = head_switch_ms(app, window)
        train_gaps, updates = train_while_measuring(app, window, beat, tmp, args.train_seconds)
        window.close()
    print(f"longest GUI stall while segmenting: {busy.max():.1f} ms "
          f"(heartbeat {TICK_MS} ms; idle longest {max(idle):.1f} ms)")
    print(f"  p99 gap {np.percentile(busy, 99):.1f} ms, median {np.median(busy):.1f} ms over {len(busy)} ticks")
    print(f"  {passes} forward passes ({args.images - 1} images × 3 heads, {args.size}², width {args.width}) "
          f"in {elapsed:.1f} s: {1000 * elapsed / max(passes, 1):.0f} ms per pass; torch threads {torch.get_num_threads()}")
    print(f"longest GUI stall while training: {max(train_gaps):.1f} ms "
          f"(p99 {np.percentile(train_gaps, 99):.1f} ms over {len(train_gaps)} ticks, {updates} updates)")
    print(f"head switch on a cached image (32s → 16s → 8s, drawn): median {np.median(switch_ms):.1f} ms, "
          f"max {max(switch_ms):.1f} ms")
    return 0


def head_switch_ms(app: QApplication, window: MainWindow, rounds: int = 5) -> list[float]:
    """Wall time of a head switch plus the repaint it causes, with every head already cached."""
    times = []
    passes = window.session.forward_passes
    for _ in range(rounds):
        for head in ("32s", "16s", "8s"):
            start = time.perf_counter()
            window.view_model.head = head
            window.repaint()
            app.processEvents()
            times.append(1000 * (time.perf_counter() - start))
    if window.session.forward_passes != passes:
        raise RuntimeError("a head switch ran the model: the results cache missed")
    return times


def train_while_measuring(app: QApplication, window: MainWindow, beat: Heartbeat, tmp: Path,
                          seconds: float) -> tuple[list[float], int]:
    """Start a run from the Training dock on synthetic scenes, measure, then cancel it."""
    data = make_synthetic(tmp / "scenes", 24, 64, seed=0)
    form = window.training.panel.form
    window.training.show()
    form.data.setText(str(data))
    form.validate_now()
    run_until(app, lambda: not form.checking, 60)  # the dataset check runs on a worker thread
    form.add_recipe(Recipe(name="bench", optimizer="adam", lr=1e-3, images_per_update=4, batch_size=4,
                           iterations=100_000, eval_every=50, checkpoint_every=50), "bench")
    form.width.setValue(0.125)
    form.set_stage("32s")
    form.out.setText(str(tmp / "run"))
    steps: list[object] = []
    window.runner.submitted.connect(lambda handle: handle.yielded.connect(
        lambda e: steps.append(e) if isinstance(e, StepDone) else None))
    form.start.click()
    run_until(app, lambda: bool(steps), 120)  # the first update: the job is really running
    beat.start()
    run_until(app, lambda: False, seconds)
    beat.stop()
    window.training.cancel()
    run_until(app, lambda: not window.training.busy(), 120)
    return list(beat.gaps), len(steps)


if __name__ == "__main__":
    raise SystemExit(main())
