"""Issue #29's 500² figure: the default path against plain fp32 eager for a full-width FCN-8s
(VGG16) that has its own images, so that reduced precision (bf16, int8) may pass its gate.

There is no ImageNet or PASCAL here, and training VGG16 from scratch takes hours on two cores, so
two full-width subjects stand in, each with the synthetic scenes it learned as its own images:

- `widened_shipped`: the shipped FCN-8s widened to full width by function-preserving surgery
  (`surgery.widen`): a trained model's labels and margins at VGG16's cost, every channel active.
- `model_file`: a full-width FCN-8s trained briefly — its trunk kept as initialised and only its
  score layers learning (the paper's FCN-32s-fixed way, with the 8s skips), class-balanced, from
  trunk blobs computed once per image: minutes. Its labels are weak (mean IU ≈ 9 %), near-ties
  over much of each image, which is what the gate is for: it shows what the gate refuses.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..data.synthetic.scene_set import SceneSet
from ..engine import FCN, open_model
from ..engine.backends.cpu import cpu_description
from ..engine.surgery import widen
from ..paths import models_dir
from ..training.recipes import PRESETS, Recipe
from ..training.release import ModelStep, Release, run_release
from .backends import trained_backend_rows
from .inference import Row
from .upsampling import synthetic_val

log = logging.getLogger(__name__)

NAME = "fcn8s-full-width-scenes"
TRAIN = SceneSet(n=208, size=128, seed=1, val_fraction=0.04)
TEST = SceneSet(n=16, size=128, seed=20151)
# Class-balanced: on a random trunk the unbalanced loss settles on "all background" (75 % of the
# pixels) and every path would agree on that trivially; balanced, the labels vary (mean IU 9 %).
RECIPE = replace(PRESETS["fixed"], name=NAME, optimizer="adam", lr=1e-3, lr_policy="poly", stage_lr_scale={"8s": 1.0},
                 images_per_update=8, iterations=400, class_balance=True, eval_every=1_000_000,
                 checkpoint_every=1_000_000, log_every=10)


def model_file(folder: Path, width: float = 1.0, train: SceneSet = TRAIN, test: SceneSet = TEST,
               recipe: Recipe = RECIPE) -> Path:
    """The briefly trained full-width model, trained into `folder` now unless it is there already
    (the other arguments are for tests, which train a compact one in seconds)."""
    path = Path(folder) / "models" / f"{NAME}.safetensors"
    if not path.is_file():
        log.info("training an FCN-8s's score layers on %d synthetic scenes of %d px (once; kept in %s)",
                 train.n, train.size, folder)
        release = Release(train, test, (ModelStep(NAME, "8s", recipe),), width=width, precision="auto", source=NAME)
        run_release(release, Path(folder) / "run", path.parent)
    return path


def widened_shipped(width: float = 1.0) -> FCN:
    """The shipped FCN-8s at `width`, computing what it computes (its notes, and so its own images, kept)."""
    return widen(open_model(models_dir() / "fcn8s.safetensors"), width)


def describe(model: FCN) -> str:
    """How a subject came to have its labels, for its section's title."""
    train = model.info.notes["data"]["train"]
    scenes = f"{train['n']} scenes of {train['size']} px"
    if model.info.notes.get("release") == NAME:
        return f"an FCN-8s of width {model.width:g}, its score layers trained on {scenes} over a kept random trunk"
    return f"the shipped FCN-8s ({scenes}) widened to width {model.width:g}, the same function"


def full_width_sections(models: list[FCN], size: int = 500, images: int = 2, repeat: int = 3) -> dict[str, list[Row]]:
    """`trained_backend_rows` for each scenes model at `size`², on held-out scenes; the default
    path gated on each model's own images."""
    scenes = synthetic_val(images, size)
    rgbs: list[np.ndarray] = [scenes.load(i)[0] for i in range(len(scenes))]
    return {f"backends on {describe(m)}, {len(rgbs)} held-out scenes of {size} px, {cpu_description()}":
            trained_backend_rows(m, rgbs, repeat) for m in models}
