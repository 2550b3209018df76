"""Time to a useful model in live mode (issue 27 Figures): `python -m fcn_studio.benchmarks.live_curve`

The shipped FCN-8s, adapted to a label set it never saw (the annotation-loop benchmark's merged
scene classes), learns live from a simulated user who scribbles synthetic scenes one after another
(≤ 3 % of each scene's pixels, stroke by stroke: `scribble`'s strokes replayed in order). After
every `--every` strokes the live head (`--steps` warm-started Adam updates per stroke, as in the
window) predicts `--test` dense held-out scenes from their cached blobs — held out: they are added
for their blobs, never labelled — and their mean IU is printed against the strokes and against the
live head's own seconds (the trunk pass of each newly painted scene, the labels and the refits; the
evaluation itself is not counted). The held-out scenes' first row is the adapted model before any
stroke.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from fcn_studio.app.annotate.annotation import Annotation
from fcn_studio.engine.backends.cpu import cpu_description
from fcn_studio.engine.fcn import FCN
from fcn_studio.engine.metrics import ConfusionMatrix
from fcn_studio.training.live_head import LiveHead

from .annotation_loop import MERGED, TEST_SEED, TRAIN_SEED, merged_scene, scribble
from .live_head import shipped_model


def stroke_states(truth: np.ndarray, rng: np.random.Generator, cap: float) -> list[np.ndarray]:
    """The scene's mask after each of the simulated user's strokes, in the order painted."""
    ann = Annotation.blank(*truth.shape, len(MERGED.names))
    scribble(ann, truth, rng, radius=2.0, cap=cap)
    states = [ann.labels.copy()]
    while ann.undo() is not None:
        states.append(ann.labels.copy())
    return states[::-1][1:]


def held_out_iu(head: LiveHead, truths: list[np.ndarray]) -> float:
    matrix = ConfusionMatrix(len(MERGED.names))
    for i, truth in enumerate(truths):
        matrix.update(head.predict(("test", i)).labels, truth)
    return float(matrix.compute()["mean_iu"])


def live_curve(scenes: int, test: int, size: int, every: int, steps: int, cap: float,
               model: FCN | None = None) -> list[tuple[int, int, float, float]]:
    """(strokes, scenes painted, live seconds, held-out mean IU) rows; `model` (already in the
    merged classes) instead of the shipped FCN-8s."""
    head = LiveHead(model if model is not None else shipped_model())
    truths = []
    for i in range(test):
        rgb, truth = merged_scene(TEST_SEED, i, size)
        head.add_image(("test", i), rgb)
        truths.append(truth)
    rows = [(0, 0, 0.0, held_out_iu(head, truths))]
    rng, strokes, seconds = np.random.default_rng(0), 0, 0.0
    for i in range(scenes):
        rgb, truth = merged_scene(TRAIN_SEED, i, size)
        start = time.perf_counter()
        head.add_image(("train", i), rgb)
        seconds += time.perf_counter() - start
        for labels in stroke_states(truth, rng, cap):
            start = time.perf_counter()
            head.set_labels(("train", i), labels)
            head.fit(steps)
            seconds += time.perf_counter() - start
            strokes += 1
            if strokes % every == 0:
                rows.append((strokes, i + 1, seconds, held_out_iu(head, truths)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=20, help="scenes the user scribbles, one after another")
    parser.add_argument("--test", type=int, default=200, help="dense held-out scenes")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--every", type=int, default=10, help="strokes between evaluations")
    parser.add_argument("--steps", type=int, default=5, help="Adam updates per stroke (the window's)")
    parser.add_argument("--cap", type=float, default=0.03, help="most of a scene's pixels the user labels")
    args = parser.parse_args(argv)
    rows = live_curve(args.scenes, args.test, args.size, args.every, args.steps, args.cap)
    print(f"time to a useful model, live mode — {cpu_description()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  shipped FCN-8s adapted to {len(MERGED.names)} new classes ({', '.join(MERGED.names)}); "
          f"{args.size}² scenes scribbled ≤ {100 * args.cap:.0f} %; {args.test} dense held-out scenes")
    print("  strokes  scenes  live s  held-out mean IU")
    for strokes, painted, seconds, iu in rows:
        print(f"  {strokes:7d}  {painted:6d}  {seconds:6.1f}  {iu:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
