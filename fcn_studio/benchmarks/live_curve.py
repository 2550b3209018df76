"""Time to a useful model, live mode and full rounds (issue 27 Figures): `python -m fcn_studio.benchmarks.live_curve`

The shipped FCN-8s, adapted to a label set it never saw (the annotation-loop benchmark's merged
scene classes), learns live from a simulated user who scribbles synthetic scenes one after another
(≤ 3 % of each scene's pixels, stroke by stroke: `scribble`'s strokes replayed in order). After
every `--every` strokes the live head (`--steps` warm-started Adam updates per stroke, as in the
window) predicts `--test` dense held-out scenes from their cached blobs — held out: they are added
for their blobs, never labelled — and their mean IU is printed against the strokes and against the
live head's own seconds (the trunk pass of each newly painted scene, the labels and the refits; the
evaluation itself is not counted). The held-out scenes' first row is the adapted model before any
stroke.

Then, after the same strokes, the full round ("Train all layers", `--round` updates): the scribbled
scenes are written as an annotation project (unlabelled = 255) and `train_on_annotations` runs one
round, timed by wall clock, with no held-out images in the project (so no evaluation inside it).
Rounds alone start from the same adapted FCN-8s as the live head; both start from the live head's
refit weights (`head_state()` written into that model: the round takes over from the live head).
Each round's models a few seconds into it (`--marks`, its `LiveModel` copies) and its kept model are
scored afterwards on the same dense held-out scenes by the same function as the live head. Last the
comparison the issue asks for: the live head 10 s after the last stroke (its compute is far less, so
its final mean IU) against a round's, as a ratio (target ≥ 80 %).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from fcn_studio.app.annotate.annotation import Annotation
from fcn_studio.app.annotate.project import AnnotationProject
from fcn_studio.app.annotate.training import AnnotationTraining, LiveModel, train_on_annotations
from fcn_studio.engine.backends.cpu import cpu_description
from fcn_studio.engine.fcn import FCN
from fcn_studio.engine.metrics import ConfusionMatrix
from fcn_studio.engine.weights import load_model
from fcn_studio.training.live_head import LiveHead

from .annotation_loop import MERGED, TEST_SEED, TRAIN_SEED, merged_scene, scribble
from .live_head import shipped_model

AFTER_LAST_STROKE_S = 10.0  # the "within 10 s of the last stroke"


@dataclass
class LiveRun:
    """The live curve's rows (strokes, scenes painted, live seconds, held-out mean IU), its head after
    the last stroke, each scribbled scene with its final mask, and the dense held-out scenes."""

    rows: list[tuple[int, int, float, float]]
    head: LiveHead
    painted: list[tuple[np.ndarray, np.ndarray]]
    tests: list[tuple[np.ndarray, np.ndarray]]


@dataclass
class RoundPoint:
    """A round's model `seconds` of wall clock into it (after update `update`), scored."""

    seconds: float
    update: int
    mean_iu: float


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


def model_iu(model: FCN, tests: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """A whole model's held-out mean IU, by the live curve's own scoring: a fresh head is the model's
    forward (its trunk blobs, then its head)."""
    head = LiveHead(model)
    for i, (rgb, _) in enumerate(tests):
        head.add_image(("test", i), rgb)
    return held_out_iu(head, [truth for _, truth in tests])


def live_curve(scenes: int, test: int, size: int, every: int, steps: int, cap: float,
               model: FCN | None = None) -> LiveRun:
    """The live head's curve; `model` (already in the merged classes) instead of the shipped FCN-8s."""
    head = LiveHead(model if model is not None else shipped_model())
    tests = [merged_scene(TEST_SEED, i, size) for i in range(test)]
    for i, (rgb, _) in enumerate(tests):
        head.add_image(("test", i), rgb)
    truths = [truth for _, truth in tests]
    rows = [(0, 0, 0.0, held_out_iu(head, truths))]
    rng, strokes, seconds, painted = np.random.default_rng(0), 0, 0.0, []
    for i in range(scenes):
        rgb, truth = merged_scene(TRAIN_SEED, i, size)
        start = time.perf_counter()
        head.add_image(("train", i), rgb)
        seconds += time.perf_counter() - start
        states = stroke_states(truth, rng, cap)
        if states:
            painted.append((rgb, states[-1]))
        for labels in states:
            start = time.perf_counter()
            head.set_labels(("train", i), labels)
            head.fit(steps)
            seconds += time.perf_counter() - start
            strokes += 1
            if strokes % every == 0:
                rows.append((strokes, i + 1, seconds, held_out_iu(head, truths)))
    return LiveRun(rows, head, painted, tests)


def scribbled_project(folder: Path, painted: list[tuple[np.ndarray, np.ndarray]]) -> AnnotationProject:
    """The scribbled scenes as the annotation project a user would have after those strokes."""
    project = AnnotationProject.create(folder / "project", MERGED)
    for i, (rgb, labels) in enumerate(painted):
        path = folder / f"scene{i:03d}.png"
        Image.fromarray(rgb).save(path, compress_level=1)
        name = project.add_image(path)
        project.annotation(name).accept(labels)
        project.save(name)
    return project


def full_round(project: AnnotationProject, model: FCN, out: Path, updates: int, marks: list[float],
               tests: list[tuple[np.ndarray, np.ndarray]], head_state: dict | None = None) -> tuple[list[RoundPoint], Path]:
    """One round of `updates` from `model` (taking over from a live head's `head_state`, as the
    window's rounds do): its models first seen past each of `marks` seconds and its kept model at the
    end, scored after the round (the scoring is not in its wall clock); also the kept model's file."""
    marks, kept = sorted(marks), []

    def on_event(event: object) -> None:
        if isinstance(event, LiveModel) and len(kept) < len(marks) and event.elapsed_s >= marks[len(kept)]:
            kept.append((event.elapsed_s, event.iteration, event.model))

    # copies of the weights a tenth of the first mark apart (the window's rounds: every 5 s)
    settings = AnnotationTraining(updates=updates, live_every_s=marks[0] / 10 if marks else 1e9)
    start = time.perf_counter()
    done = train_on_annotations(project, model, out, settings, on_event, head_state=head_state)
    wall = time.perf_counter() - start
    if done.result.status != "done":
        raise RuntimeError(f"the round did not finish: {done.result.status} {done.result.message}")
    points = [RoundPoint(s, update, model_iu(m, tests)) for s, update, m in kept if update < done.result.iteration]
    points.append(RoundPoint(wall, done.result.iteration, model_iu(load_model(done.best_model), tests)))
    return points, done.best_model


def comparison(live_iu: float, live_s: float, round_end: RoundPoint) -> str:
    """The issue's comparison: the live head 10 s after the last stroke against a full round."""
    ratio = live_iu / round_end.mean_iu if round_end.mean_iu > 0 else float("nan")
    return (f"live head {AFTER_LAST_STROKE_S:.0f} s after the last stroke (its compute {live_s:.1f} s in all): "
            f"mean IU {live_iu:.3f}; full round ({round_end.update} updates, {round_end.seconds:.1f} s wall clock): "
            f"{round_end.mean_iu:.3f}; live / round {100 * ratio:.1f} % (target ≥ 80 %)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=20, help="scenes the user scribbles, one after another")
    parser.add_argument("--test", type=int, default=200, help="dense held-out scenes")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--every", type=int, default=10, help="strokes between evaluations")
    parser.add_argument("--steps", type=int, default=5, help="Adam updates per stroke (the window's)")
    parser.add_argument("--cap", type=float, default=0.03, help="most of a scene's pixels the user labels")
    parser.add_argument("--round", type=int, default=150, metavar="UPDATES", help="updates of the full round (0: none)")
    parser.add_argument("--marks", default="10,30", help="seconds into a round at which its model is also scored")
    args = parser.parse_args(argv)
    run = live_curve(args.scenes, args.test, args.size, args.every, args.steps, args.cap)
    rows = run.rows
    print(f"time to a useful model, live mode — {cpu_description()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"  shipped FCN-8s adapted to {len(MERGED.names)} new classes ({', '.join(MERGED.names)}); "
          f"{args.size}² scenes scribbled ≤ {100 * args.cap:.0f} %; {args.test} dense held-out scenes")
    print("  strokes  scenes  live s  held-out mean IU")
    for strokes, painted, seconds, iu in rows:
        print(f"  {strokes:7d}  {painted:6d}  {seconds:6.1f}  {iu:.3f}")
    if args.round > 0:
        print_rounds(run, args.round, [float(m) for m in args.marks.split(",") if m])
    return 0


def print_rounds(run: LiveRun, updates: int, marks: list[float]) -> None:
    """Rounds alone and both (the round from the live head), then the comparison line."""
    model = run.head.model
    with tempfile.TemporaryDirectory() as tmp:
        project = scribbled_project(Path(tmp), run.painted)
        alone, _ = full_round(project, model, Path(tmp) / "alone", updates, marks, run.tests)
        both, _ = full_round(project, model, Path(tmp) / "both", updates, marks, run.tests, run.head.head_state())
    live_s, live_iu = run.rows[-1][2], run.rows[-1][3]
    print(f"\n  full round after the same strokes ({len(run.painted)} scribbled scenes, all layers, {updates} updates), "
          f"its wall clock from the last stroke; load average {os.getloadavg()[0]:.1f}")
    print("  start                    wall s  update  held-out mean IU")
    for name, points in (("rounds alone (shipped)", alone), ("both (from live head)", both)):
        for point in points:
            print(f"  {name:23s}  {point.seconds:6.1f}  {point.update:6d}  {point.mean_iu:.3f}")
    print(f"  (both: the live head's {live_s:.1f} s of compute come before its round)")
    early = next((p for p in alone[:-1] if p.seconds >= AFTER_LAST_STROKE_S), None)
    if early is not None:
        print(f"  at equal wall clock, {AFTER_LAST_STROKE_S:.0f} s after the last stroke: live head {live_iu:.3f}, "
              f"the round ({early.update} updates, {early.seconds:.1f} s in) {early.mean_iu:.3f}")
    print("  " + comparison(live_iu, live_s, alone[-1]))


if __name__ == "__main__":
    raise SystemExit(main())
