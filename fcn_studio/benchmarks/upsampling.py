"""Shift-and-stitch (CVPR §3.2) against learned in-network upsampling: cost and accuracy.

The paper found stitching's cost/improvement worse than skip fusion. `stitch_rows` measures the
cost side on random weights: factor f costs f² trunk passes, against one pass and a
deconvolution. `stitch_accuracy_rows` takes trained FCN-32s weights and a labelled set and gives
both sides at once: mean IU and time per image of the net's own bilinear upsampling and of
shift-and-stitch at each factor, same weights, same images.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from fcn_studio.data.dataset import SegmentationDataset
from fcn_studio.data.synthetic import SyntheticScenes
from fcn_studio.engine import FCN, ConfusionMatrix, Segmenter, build_model
from fcn_studio.engine.shift_stitch import stitched_scores
from fcn_studio.paths import models_dir
from .inference import Row, plain_forward
from .measure import median_seconds

# Scenes of this seed are not those of `make-synthetic --seed 0`, which the shipped models train on.
VAL_SEED = 9001
STITCH_MODEL = "fcn32s.safetensors"


def stitch_rows(arch: str, width: float, size: int, repeat: int, factors: tuple[int, ...] = (2, 4)) -> list[Row]:
    """One learned-upsampling forward, then shift-and-stitch at each factor, same weights and image."""
    model = build_model(arch, width=width).eval()
    x = torch.randn(1, 3, size, size)
    base = median_seconds(lambda: plain_forward(model, x), repeat)
    rows = [Row(f"{arch} learned upsampling (1 pass)", base, 1.0)]
    for factor in factors:
        seconds = median_seconds(lambda: stitched_scores(model, x, factor), repeat, warmup=0)
        rows.append(Row(f"shift-and-stitch ×{factor} ({factor * factor} passes, stride {model.stride // factor})",
                        seconds, base / seconds, f"{seconds / base:.1f}× the upsampling net's time"))
    return rows


def shipped_model(name: str) -> Path | None:
    path = models_dir() / name
    return path if path.is_file() else None


def shipped_stitch_model() -> Path | None:
    """The shipped FCN-32s, the default subject of the accuracy comparison, if it is there."""
    return shipped_model(STITCH_MODEL)


def synthetic_val(n: int, size: int = 128, seed: int = VAL_SEED) -> SyntheticScenes:
    """n held-out synthetic scenes (the shipped models' classes), rendered in memory."""
    return SyntheticScenes(n, size, seed)


def stitch_accuracy_rows(model: FCN, dataset: SegmentationDataset, factors: tuple[int, ...] = (2, 4, 8),
                         device: str = "cpu", precision: str = "fp32") -> list[Row]:
    """Mean IU over `dataset` and time per image, learned upsampling first, then each stitch factor.

    The confusion matrix is accumulated over the whole set (the paper's protocol); time is the
    mean of `Segmenter.predict` per image, preprocessing included, after one untimed warm-up.
    """
    if dataset.num_classes != model.num_classes:
        raise ValueError(f"{model.arch} scores {model.num_classes} classes but the evaluation set has "
                         f"{dataset.num_classes}; evaluate it on a set of its own classes")
    if len(dataset) == 0:
        raise ValueError("the evaluation set is empty")
    rows: list[Row] = []
    for factor in (0, *factors):
        seg = Segmenter(model, device=device, precision=precision,
                        upsampling="shift-stitch" if factor else "learned", stitch_factor=factor or None)
        seg.predict(dataset.load(0)[0])
        cm = ConfusionMatrix(model.num_classes)
        seconds = 0.0
        for i in range(len(dataset)):
            rgb, truth = dataset.load(i)
            start = time.perf_counter()
            pred = seg.predict(rgb)
            seconds += time.perf_counter() - start
            cm.update(pred.labels, truth)
        per_image, miu = seconds / len(dataset), cm.compute()["mean_iu"]
        if not rows:
            base_time, base_miu = per_image, miu
            rows.append(Row(f"{model.arch} learned upsampling (1 pass)", per_image, 1.0, f"mean IU {miu:.3f}"))
            continue
        rows.append(Row(f"shift-and-stitch ×{factor} ({factor * factor} passes, stride {model.stride // factor})",
                        per_image, base_time / per_image,
                        f"mean IU {miu:.3f} ({miu - base_miu:+.3f}), {per_image / base_time:.1f}× the time"))
    return rows
