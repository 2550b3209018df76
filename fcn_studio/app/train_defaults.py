"""What the training form starts with, decided from the device at hand.

The paper's recipe (SGD, lr 1e-4, width 1, 75 000 updates, an evaluation every 4000) assumes a GPU
and an ImageNet trunk; on a CPU it cannot finish, and a short run of it plots no mean IU before its
end. So the form starts from a recipe that finishes here: a compact net trained from scratch with
Adam and poly decay (how the shipped models were made, recipes/shipped.toml), a few hundred updates
on a CPU, and an evaluation every tenth of the run so the mean IU curve has points. Fine-tuning a
stage from the current model keeps the solver that model learned with: Adam at a third of the lr
for a young from-scratch trunk (shipped.toml's 16s/8s), the paper's SGD for anything else (imported
Caffe / pytorch-fcn nets, the paper's own setting). The paper's settings stay one choice away as the
preset PAPER.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..training import PRESETS, Recipe

PAPER = "Paper (Long et al. 2015)"
PAPER_WIDTH = 1.0
EVALS_PER_RUN = 10  # an evaluation every 1/10 of the run: a curve of ten points
CHECKPOINTS_PER_RUN = 4


@dataclass(frozen=True)
class TrainDefaults:
    """The form's starting choices on one device."""

    device: str
    label: str  # the recipe combo's name for these defaults
    width: float
    iterations: int
    images_per_update: int
    batch_size: int

    def recipe(self, fine_tune: bool = False, init_optimizer: str | None = None) -> Recipe:
        """From scratch: Adam + poly. Fine-tuning a model whose recipe said `init_optimizer`: Adam at
        lr/3 after Adam, otherwise the paper's SGD solver (fixed lr, momentum 0.9, lr ÷ 100)."""
        schedule = {"name": self.label, "iterations": self.iterations, "eval_every": eval_every(self.iterations),
                    "checkpoint_every": checkpoint_every(self.iterations), "log_every": max(1, self.iterations // 100),
                    "images_per_update": self.images_per_update, "batch_size": self.batch_size}
        if fine_tune and init_optimizer != "adam":
            return replace(PRESETS["paper"], **schedule)
        scale = {"32s": 1.0, "16s": 0.3, "8s": 0.3, "atonce": 1.0}
        return replace(PRESETS["paper"], optimizer="adam", lr=1e-3, lr_policy="poly", weight_decay=0.0,
                       dropout=False, mirror=True, stage_lr_scale=scale, **schedule)


def eval_every(iterations: int) -> int:
    """Updates between evaluations for a run of `iterations`: EVALS_PER_RUN points on the curve."""
    return max(1, iterations // EVALS_PER_RUN)


def checkpoint_every(iterations: int) -> int:
    return max(1, iterations // CHECKPOINTS_PER_RUN)


def train_defaults(device: str) -> TrainDefaults:
    """`cpu`: width 1/8 (the shipped models'), 400 updates of 6 images; a GPU (`cuda`, `cuda:1`,
    `mps`): width 1/2, 4000 updates of 20 images. Both finish in minutes to an hour, not days."""
    kind = str(device).split(":", 1)[0]
    if kind == "cpu":
        return TrainDefaults(device, "Quick (this CPU)", width=0.125, iterations=400, images_per_update=6,
                             batch_size=6)
    return TrainDefaults(device, "Quick (this GPU)", width=0.5, iterations=4000, images_per_update=20,
                         batch_size=10)


def paper_recipe() -> Recipe:
    """CVPR §4.3 as it stands: SGD, lr 1e-4, 20 images per update, 75 000 updates, eval every 4000."""
    return replace(PRESETS["paper"], name=PAPER)
