"""Issue #29's 500² figure: the default path against plain fp32 eager for a full-width FCN-8s
(VGG16) that has its own images, so that reduced precision (bf16, int8) may pass its gate.

Without ImageNet or PASCAL here, the model is the paper's FCN-8s at full width trained briefly on
the synthetic scenes the shipped models learned: its trunk kept as initialised and only its score
layers learning (the paper's FCN-32s-fixed way, here with the 8s skips), from trunk blobs computed
once per image — minutes on two cores, where training the whole trunk from scratch would take
hours. Its labels are far from a good model's, but they are its own, which is what the gate needs:
the share of its fp32 labels each faster path keeps on held-out scenes of its training set.
The trained file is kept (`model_file(folder)`) and reused by a later run.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..data.synthetic.scene_set import SceneSet
from ..engine import open_model
from ..engine.backends.cpu import cpu_description
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
    """The trained full-width model, trained into `folder` now unless it is there already (the
    other arguments are for tests, which train a compact one in seconds)."""
    path = Path(folder) / "models" / f"{NAME}.safetensors"
    if not path.is_file():
        log.info("training an FCN-8s's score layers on %d synthetic scenes of %d px (once; kept in %s)",
                 train.n, train.size, folder)
        release = Release(train, test, (ModelStep(NAME, "8s", recipe),), width=width, precision="auto", source=NAME)
        run_release(release, Path(folder) / "run", path.parent)
    return path


def full_width_sections(model_path: Path, size: int = 500, images: int = 2, repeat: int = 3) -> dict[str, list[Row]]:
    """`trained_backend_rows` for the scenes model `model_path` (`model_file`) at `size`², on
    held-out scenes."""
    model = open_model(model_path)
    scenes = synthetic_val(images, size)
    rgbs: list[np.ndarray] = [scenes.load(i)[0] for i in range(len(scenes))]
    train = model.info.notes["data"]["train"]
    title = (f"backends on an FCN-8s of width {model.width:g} with its own images (score layers trained on {train['n']} "
             f"scenes of {train['size']} px), {len(rgbs)} held-out scenes of {size} px, {cpu_description()}")
    return {title: trained_backend_rows(model, rgbs, repeat)}
