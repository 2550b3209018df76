"""A simulated user of the annotate-and-retrain loop (issue 18): `python -m fcn_studio.benchmarks.annotation_loop`

Synthetic scenes get a label set the shipped models were never trained for: the 16 scene classes
merged by shape into background / round / polygon / line (only "background" is kept by name, so the
shipped FCN-8s is adapted by surgery: new score rows zero). A simulated user scribbles from the
truth — thin strokes inside every object and background region, at most 5 % of the pixels — on N
images through the real Annotation API, into a real project folder. Printed:

- mean IU on dense held-out scenes without training, after fine-tuning on the scribbles and on the
  full masks of the same images, at equal updates (and scribbles ÷ full, the issue aims at ≥ 90 %);
- mean IU after each CPU time budget of training on the scribbles (1, 3 and 10 minutes by default);
- brush latency on a 4000×3000 image: one stroke segment applied (median, max), stroke commit and
  the autosave of the 12-megapixel mask.

Every size and budget is an argument, so a short run fits in a minute or two.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from scipy import ndimage

from fcn_studio.app.annotate.annotation import Annotation
from fcn_studio.app.annotate.project import AnnotationProject
from fcn_studio.app.annotate.training import AnnotationTraining, LiveModel, for_project, train_on_annotations
from fcn_studio.data.classes import ClassList
from fcn_studio.data.dataset import SegmentationDataset
from fcn_studio.data.synthetic import SCENE_CLASSES, render_scene, scene_rng
from fcn_studio.engine.backends.cpu import cpu_description
from fcn_studio.engine.weights import load_model
from fcn_studio.palette import VOID_LABEL, voc_palette
from fcn_studio.paths import models_dir
from fcn_studio.training.evaluate import evaluate
from fcn_studio.training.events import CancelToken

GROUPS: dict[str, tuple[str, ...]] = {
    "background": ("background",),
    "round": ("striped_disc", "dotted_disc", "ring", "ellipse", "crescent"),
    "polygon": ("checker_square", "noisy_square", "frame", "striped_triangle", "checker_triangle", "dotted_hexagon", "star"),
    "line": ("cross", "bar", "wire"),
}
MERGED = ClassList(tuple(GROUPS), voc_palette(len(GROUPS)))
TRAIN_SEED, TEST_SEED = 18, 1818


def merge_lut() -> np.ndarray:
    lut = np.full(256, VOID_LABEL, np.uint8)
    for new, members in enumerate(GROUPS.values()):
        for name in members:
            lut[[c.name for c in SCENE_CLASSES].index(name)] = new
    return lut


LUT = merge_lut()


def merged_scene(seed: int, index: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    rgb, label = render_scene(scene_rng(seed, index), size)
    return rgb, LUT[label]


class MergedScenes(SegmentationDataset):
    """Dense held-out scenes with the merged labels, rendered in memory."""

    def __init__(self, n: int, size: int, seed: int = TEST_SEED):
        super().__init__(f"<merged scenes seed={seed}>", list(MERGED.names), MERGED.palette)
        self.ids, self.size, self.seed = [str(i) for i in range(n)], size, seed

    def load(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return merged_scene(self.seed, index, self.size)


def segment_inside(inner: np.ndarray, a: tuple[int, int], b: tuple[int, int]) -> bool:
    steps = int(2 * max(abs(a[0] - b[0]), abs(a[1] - b[1]))) + 2
    rows = np.rint(np.linspace(a[0], b[0], steps)).astype(int)
    cols = np.rint(np.linspace(a[1], b[1], steps)).astype(int)
    return bool(inner[rows, cols].all())


def scribble(ann: Annotation, truth: np.ndarray, rng: np.random.Generator, radius: float, cap: float) -> None:
    """What a careful user does: a thin stroke inside each region, from its deepest point to a few
    others it can reach in a straight line; strokes that would pass `cap` of the pixels are undone."""
    strokes = []
    for cls in range(len(MERGED.names)):
        components, n = ndimage.label(truth == cls)
        for k, where in enumerate(ndimage.find_objects(components), 1):
            region = components[where] == k
            if region.sum() < 20:
                continue
            depth = ndimage.distance_transform_edt(np.pad(region, 1))[1:-1, 1:-1]  # to the nearest other pixel
            inner = depth >= radius + 1.5
            if not inner.any():
                continue
            path = [np.unravel_index(int(np.argmax(depth)), depth.shape)]
            candidates = np.argwhere(inner)
            for pick in rng.permutation(len(candidates))[:12]:
                point = tuple(candidates[pick])
                if segment_inside(inner, path[-1], point):
                    path.append(point)
                if len(path) == 3:
                    break
            strokes.append((cls, [(c + where[1].start + 0.5, r + where[0].start + 0.5) for r, c in path]))
    budget = cap * truth.size
    for k in rng.permutation(len(strokes)):
        cls, points = strokes[k]
        ann.paint(points, cls, radius)
        if ann.labelled_pixels > budget:
            ann.undo()


def make_projects(root: Path, n: int, size: int, radius: float, cap: float) -> tuple[AnnotationProject, AnnotationProject, float]:
    scribbles = AnnotationProject.create(root / "scribbles", MERGED)
    dense = AnnotationProject.create(root / "dense", MERGED)
    rng = np.random.default_rng(0)
    fractions = []
    for i in range(n):
        rgb, truth = merged_scene(TRAIN_SEED, i, size)
        path = root / f"scene{i:03d}.png"
        Image.fromarray(rgb).save(path)
        name = scribbles.add_image(path)
        scribble(scribbles.annotation(name), truth, rng, radius, cap)
        scribbles.save(name)
        fractions.append(scribbles.annotation(name).labelled_pixels / truth.size)
        dense_name = dense.add_image(path)
        dense.annotation(dense_name).accept(truth)
        dense.save(dense_name)
    return scribbles, dense, float(np.mean(fractions))


def mean_iu(model, test: SegmentationDataset) -> float:
    return float(evaluate(model, test, "cpu")["mean_iu"])


def round_on(project: AnnotationProject, shipped, out: Path, settings: AnnotationTraining):
    done = train_on_annotations(project, shipped, out, settings)
    return load_model(done.best_model)


def time_curve(project: AnnotationProject, shipped, out: Path, budgets: list[float], seed: int) -> list[tuple[float, int, object]]:
    """Train on the scribbles until the last budget; keep the live model first seen past each budget."""
    marks, kept, cancel = sorted(budgets), [], CancelToken()

    def on_event(event) -> None:
        if isinstance(event, LiveModel) and len(kept) < len(marks) and event.elapsed_s >= marks[len(kept)]:
            kept.append((event.elapsed_s, event.iteration, event.model))
            if len(kept) == len(marks):
                cancel.cancel()

    settings = AnnotationTraining(updates=10**7, live_every_s=min(marks) / 10, seed=seed)
    train_on_annotations(project, shipped, out, settings, on_event, cancel)
    return kept


def brush_latency(height: int, width: int, folder: Path, radius: float = 12.0, segments: int = 400) -> dict[str, float]:
    """One drag across a blank height×width annotation: segment apply times, commit and autosave."""
    project = AnnotationProject.create(folder / "latency", MERGED)
    Image.new("RGB", (width, height)).save(folder / "big.png")
    name = project.add_image(folder / "big.png")
    ann = project.annotation(name)
    t = np.linspace(0, 4 * np.pi, segments)
    xs, ys = width / 2 + 0.4 * width * np.sin(t), height / 2 + 0.4 * height * np.sin(1.5 * t)
    ann.begin_stroke(1, radius)
    took = []
    for x, y in zip(xs, ys):
        start = time.perf_counter()
        ann.stroke_to(float(x), float(y))
        took.append(time.perf_counter() - start)
    start = time.perf_counter()
    ann.end_stroke()
    commit = time.perf_counter() - start
    start = time.perf_counter()
    project.save(name)
    save = time.perf_counter() - start
    step = float(np.hypot(np.diff(xs), np.diff(ys)).mean())
    return {"median_ms": 1e3 * statistics.median(took), "max_ms": 1e3 * max(took), "commit_ms": 1e3 * commit,
            "save_ms": 1e3 * save, "px_per_segment": step, "radius": radius}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20, help="annotated training images")
    parser.add_argument("--test", type=int, default=200, help="dense held-out scenes")
    parser.add_argument("--size", type=int, default=192, help="scene side in px (the shipped models saw 192)")
    parser.add_argument("--updates", type=int, default=300, help="updates of each equal-updates arm")
    parser.add_argument("--budgets", default="60,180,600", help="CPU training seconds for the time curve")
    parser.add_argument("--radius", type=float, default=1.0, help="scribble brush radius in px")
    parser.add_argument("--cap", type=float, default=0.05, help="most of an image a user scribbles")
    parser.add_argument("--latency", default="4000x3000", help="W×H of the brush latency image")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    budgets = [float(b) for b in args.budgets.split(",") if b]
    print(f"CPU: {cpu_description()}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"label set {', '.join(MERGED.names)}; {args.images} annotated scenes, {args.test} dense test scenes, "
          f"{args.size} px; {args.updates} updates per arm")
    shipped = load_model(models_dir() / "fcn8s.safetensors")
    test = MergedScenes(args.test, args.size)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        scribbles, dense, fraction = make_projects(root, args.images, args.size, args.radius, args.cap)
        print(f"scribbles cover {100 * fraction:.2f} % of the pixels on average")
        settings = AnnotationTraining(updates=args.updates, live_every_s=1e9)
        untrained = mean_iu(for_project(shipped, scribbles), test)
        start = time.perf_counter()
        sparse = mean_iu(round_on(scribbles, shipped, root / "run-scribbles", settings), test)
        sparse_s = time.perf_counter() - start
        start = time.perf_counter()
        full = mean_iu(round_on(dense, shipped, root / "run-dense", settings), test)
        full_s = time.perf_counter() - start
        print(f"\nmean IU on {args.test} dense held-out scenes, {args.updates} updates each")
        print(f"  no training (adapted shipped FCN-8s)  {untrained:.3f}")
        print(f"  scribbles                             {sparse:.3f}   ({sparse_s:.0f} s incl. evaluation)")
        print(f"  full masks                            {full:.3f}   ({full_s:.0f} s incl. evaluation)")
        print(f"  scribbles / full masks                {sparse / full:.1%}")
        print("\nmean IU after CPU training on the scribbles")
        for elapsed, iteration, model in time_curve(scribbles, shipped, root / "run-curve", budgets, 0):
            print(f"  {elapsed:6.0f} s  update {iteration:5d}  {mean_iu(model, test):.3f}")
        width, height = (int(v) for v in args.latency.lower().split("x"))
        lat = brush_latency(height, width, root)
    print(f"\nbrush on a {width}×{height} image (radius {lat['radius']:g} px, {lat['px_per_segment']:.0f} px per segment)")
    print(f"  segment apply   median {lat['median_ms']:.2f} ms   max {lat['max_ms']:.2f} ms")
    print(f"  stroke commit (undo diff) {lat['commit_ms']:.0f} ms   autosave of the mask {lat['save_ms']:.0f} ms")


if __name__ == "__main__":
    main()
