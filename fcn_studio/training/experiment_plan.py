"""What the paper's §4 experiments are: their arms, their tables' rows and the settings every arm
shares. The plan only; `experiments.py` trains and scores it. Kept free of PyTorch so that the
command line can list the experiments and their defaults (`fcn-studio experiment --help`) at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..data.synthetic.scene_set import SceneSet
from ..errors import RecipeError
from .recipes import Recipe

SCRATCH = "scratch"


@dataclass(frozen=True)
class Arm:
    """One training run: a stage, recipe changes, a length in budgets, and the arm it starts from."""

    key: str
    stage: str = "32s"
    changes: dict[str, Any] = field(default_factory=dict)
    budgets: float = 1.0
    images_factor: int = 1  # images per update, in multiples of the settings' batch
    after: str = ""


@dataclass(frozen=True)
class Row:
    """A line of a table: an arm read at a fraction of its updates; `chain` arms add their time and images."""

    label: str
    arm: str
    at: float = 1.0
    chain: tuple[str, ...] = ()


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    paper: str
    rows: tuple[Row, ...]
    # Whether the table shows training seconds: only where the paper's claim is about time, since
    # wall-clock figures mean something only when the arms ran on an otherwise idle machine.
    timed: bool = False


BASE = Arm("whole-32s")
ARMS: dict[str, Arm] = {arm.key: arm for arm in (
    BASE,
    Arm("sampled-50", changes={"loss_sampling": 0.5}, budgets=0.5, images_factor=2),
    Arm("sampled-25", changes={"loss_sampling": 0.25}, budgets=0.25, images_factor=4),
    Arm("balanced-32s", changes={"class_balance": True}),
    Arm("fixed-32s", changes={"fixed": True}),
    Arm("staged-16s", stage="16s", after=BASE.key),
    Arm("staged-8s", stage="8s", after="staged-16s"),
    Arm("atonce-8s", stage="atonce", budgets=3.0),
)}

EXPERIMENTS: dict[str, Experiment] = {e.name: e for e in (
    Experiment(
        "sampling", "Loss sampling (patchwise training) vs whole images",
        "CVPR §3.4, §4.3, Fig. 5: sampling the loss (each final-layer cell kept with probability p, 1/p "
        "more images per update) brings no significant change in convergence per update but costs much "
        "more wall-clock time, so whole images are used unsampled.",
        (Row("whole images", BASE.key),
         Row("p = 0.5, 2× images per update", "sampled-50"),
         Row("p = 0.25, 4× images per update", "sampled-25"),
         Row("whole images, as many updates as p = 0.5", BASE.key, 0.5),
         Row("whole images, as many updates as p = 0.25", BASE.key, 0.25)), timed=True),
    Experiment(
        "balance", "Class balancing",
        "CVPR §4.3: although the labels are about 3/4 background, class balancing was found unnecessary.",
        (Row("unbalanced (the paper)", BASE.key), Row("median-frequency balanced", "balanced-32s"))),
    Experiment(
        "fixed", "FCN-32s-fixed vs fine-tuning all layers",
        "CVPR Table 2: FCN-32s-fixed, where only the last layer is tuned, reaches 45.4 mean IU; "
        "fine-tuning all layers, 59.4 — \"fine-tuning all layers yields the best performance\" (§4.3 footnote).",
        (Row("score layer only (32s-fixed)", "fixed-32s"), Row("all layers (32s)", BASE.key))),
    Experiment(
        "atonce", "FCN-8s at once vs staged",
        "REF README: FCN-8s trained at once (pool4 ×0.01, pool3 ×0.0001) reaches 65.4 mean IU, the staged "
        "32s → 16s → 8s 65.5, for the same 300 000 updates in total; at once is simpler and as good.",
        (Row("FCN-32s (stage 1)", BASE.key),
         Row("FCN-16s from 32s (stage 2)", "staged-16s", chain=(BASE.key,)),
         Row("FCN-8s from 16s (stage 3)", "staged-8s", chain=(BASE.key, "staged-16s")),
         Row("FCN-8s at once (3× the updates)", "atonce-8s"))),
)}


def default_recipe() -> Recipe:
    """Fine-tuning a trained trunk: Adam at 3e-4 with poly decay, 6 images per update, no dropout."""
    return Recipe(name="experiment", optimizer="adam", lr=3e-4, lr_policy="poly", weight_decay=0.0,
                  stage_lr_scale={"32s": 1.0, "16s": 0.3, "8s": 0.3, "atonce": 1.0},
                  images_per_update=6, batch_size=6, dropout=False, mirror=True, log_every=25)


@dataclass(frozen=True)
class Settings:
    """What every arm shares. `updates` is one budget and must split into quarters (evaluations)."""

    data: SceneSet = SceneSet(n=1200, size=192, seed=2, val_fraction=0.1)
    updates: int = 300
    recipe: Recipe = field(default_factory=default_recipe)
    init: str = ""  # a model whose trunk the arms start from; "" = the shipped fcn32s; "scratch" = random
    width: float = 0.125  # only without an init model; with one its width counts
    precision: str = "bf16"
    seed: int = 0
    band: int = 4

    def __post_init__(self) -> None:
        if self.updates < 4 or self.updates % 4:
            raise RecipeError(None, f"updates must be a positive multiple of 4 (evaluated every quarter), got {self.updates}")
