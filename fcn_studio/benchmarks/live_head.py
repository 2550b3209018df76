"""Stroke to repainted prediction with the live head (issue 27): `python -m fcn_studio.benchmarks.live_head`

The shipped FCN-8s, adapted to a label set it never saw (the annotation-loop benchmark's merged
scene classes), gets N painted W×W synthetic scenes: scribbles of the simulated user (at most 3 % of
the pixels) through the real Annotation API, each image's trunk blobs cached once. Then S strokes:
one more brush stroke on one image (the visible one), and, timed, what the window does when the
stroke is released — the image's labels handed to the live head, a refit of the score layers over
every painted image's labelled pixels (`--steps` Adam updates, warm-started), and the visible image
re-predicted with its margin (the live head runs these on one thread). Printed: the median and worst
of those, each part's median, the stroke thread's CPU time (the work itself, apart from what a busy
machine's other processes take from it), the trunk
passes (one per image: strokes never run the trunk), the pixel accuracy of the last prediction on the
visible images' dense truth, and the whole process's time, beside the CPU and its flags.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

STARTED = time.perf_counter()  # before torch's import: the whole process is what a user waits through

import numpy as np
import torch

from fcn_studio.app.annotate.annotation import Annotation
from fcn_studio.engine.backends.cpu import cpu_description
from fcn_studio.engine.fcn import FCN
from fcn_studio.engine.surgery import adapt_to_classes
from fcn_studio.engine.weights import load_model
from fcn_studio.paths import models_dir
from fcn_studio.training.live_head import LiveHead

from .annotation_loop import MERGED, TRAIN_SEED, merged_scene, scribble


def shipped_model() -> FCN:
    model = load_model(models_dir() / "fcn8s.safetensors")
    return adapt_to_classes(model, list(MERGED.names), MERGED.palette.astype(int).tolist()).eval()


def stroke(ann: Annotation, truth: np.ndarray, rng: np.random.Generator, radius: float = 3.0) -> None:
    """A short straight stroke of the true class from a random pixel, where the user would add one."""
    h, w = truth.shape
    y, x = rng.integers(0, h), rng.integers(0, w)
    dy, dx = rng.integers(-30, 31, 2)
    end = (float(np.clip(x + dx, 0, w - 1)) + 0.5, float(np.clip(y + dy, 0, h - 1)) + 0.5)
    ann.paint([(x + 0.5, y + 0.5), end], int(truth[y, x]), radius)


def live_latency(model: FCN, images: int, size: int, strokes: int, steps: int, cap: float = 0.03,
                 seed: int = 0) -> dict[str, object]:
    """Per-stroke seconds (total and parts), trunk passes and setup time of the live head on `images`
    painted scenes; also the last prediction's pixel accuracy against each stroked image's truth."""
    rng = np.random.default_rng(seed)
    head = LiveHead(model)
    scenes, notes = [], []
    start = time.perf_counter()
    for i in range(images):
        rgb, truth = merged_scene(TRAIN_SEED, i, size)
        ann = Annotation.blank(size, size, model.num_classes)
        scribble(ann, truth, rng, radius=2.0, cap=cap)
        head.add_image(i, rgb)
        head.set_labels(i, ann.labels)
        scenes.append(truth)
        notes.append(ann)
    setup = time.perf_counter() - start
    parts: dict[str, list[float]] = {"labels": [], "fit": [], "predict": [], "total": [], "cpu": []}
    accuracy = []
    for k in range(strokes):
        shown = k % images
        stroke(notes[shown], scenes[shown], rng)
        c0, t0 = time.thread_time(), time.perf_counter()
        head.set_labels(shown, notes[shown].labels)
        t1 = time.perf_counter()
        head.fit(steps)
        t2 = time.perf_counter()
        result = head.predict(shown)
        c3, t3 = time.thread_time(), time.perf_counter()
        for name, seconds in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t3 - t0, c3 - c0)):
            parts[name].append(seconds)
        accuracy.append(float((result.labels == scenes[shown]).mean()))
    painted = np.mean([(a.labels != 255).mean() for a in notes])
    return {"parts": parts, "trunk_passes": head.cache.trunk_passes, "setup_s": setup, "accuracy": accuracy,
            "painted": float(painted), "updates": head.updates}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--strokes", type=int, default=20)
    parser.add_argument("--steps", type=int, default=5, help="Adam updates per stroke")
    args = parser.parse_args(argv)
    model = shipped_model()
    r = live_latency(model, args.images, args.size, args.strokes, args.steps)
    parts = r["parts"]
    print(f"machine: {cpu_description()}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"model: shipped {model.arch} (width {model.width}) adapted to {model.num_classes} classes")
    print(f"{args.images} painted {args.size}² scenes ({100 * r['painted']:.1f} % of pixels labelled), "
          f"trunk blobs cached in {r['setup_s']:.1f} s ({r['trunk_passes']} trunk passes)")
    print(f"stroke → repaint, {args.strokes} strokes, {args.steps} updates each: median {statistics.median(parts['total']):.3f} s, "
          f"worst {max(parts['total']):.3f} s (target ≤ 1 s median, ≤ 2 s worst)")
    print("  parts (median): " + ", ".join(f"{k} {statistics.median(parts[k]):.3f} s" for k in ("labels", "fit", "predict")))
    print(f"  CPU time of the stroke's thread (its work on one core, whatever else the machine runs): median "
          f"{statistics.median(parts['cpu']):.3f} s, worst {max(parts['cpu']):.3f} s; load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"trunk passes after the strokes: {r['trunk_passes']} (one per image)")
    print(f"pixel accuracy of the repainted image on its dense truth: first stroke {r['accuracy'][0]:.3f}, "
          f"last {r['accuracy'][-1]:.3f}")
    print(f"whole process: {time.perf_counter() - STARTED:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
