"""Training recipes: the paper's solver settings as data, with named presets and JSON/TOML files.

`paper` is CVPR §4.3 (SGD, momentum 0.9, 20 images per update, lr 1e-4, normalised loss);
`heavy` is the reference code's online variant (batch 1, momentum 0.99, summed loss, tiny lr);
`fixed` is FCN-32s-fixed of Table 2, where only the score layer learns (on trunk blobs cached
once per image, its dropout off). A recipe says *how* to
learn; what to learn from (data, stage, seed) belongs to the run.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from ..engine.registry import STAGED_ORDER, STAGES
from ..errors import RecipeError
from ..files import write_text

if sys.version_info >= (3, 11):
    from tomllib import TOMLDecodeError, loads as parse_toml
else:  # Python 3.10 has no tomllib; tomli is the same parser, released before it joined the standard library
    from tomli import TOMLDecodeError, loads as parse_toml

# How a run trains: "auto" measures bf16 autocast against fp32 on the device at hand (training/precision.py).
TRAINING_PRECISIONS = ("auto", "fp32", "bf16")
LR_POLICIES = ("fixed", "poly")
OPTIMIZERS = ("sgd", "adam")
# Learning rates, their multipliers and weight decay stay far below float32's limit (3.4e38):
# torch's SGD step fails with an overflow error, not a NaN, on an lr such as 1e39.
MAX_LR = 1e3


def paper_stage_lr_scale() -> dict[str, float]:
    """lr ÷ 100 for the stages that fine-tune the one before (16s from 32s, 8s from 16s), 1 for the others."""
    return {stage: 0.01 if stage in STAGED_ORDER[1:] else 1.0 for stage in STAGES}


@dataclass(frozen=True)
class Recipe:
    name: str = "paper"
    lr: float = 1e-4
    # Each stage's lr is `lr × stage_lr_scale[stage]`: the paper fine-tunes 16s/8s at lr ÷ 100.
    stage_lr_scale: dict[str, float] = field(default_factory=paper_stage_lr_scale)
    lr_policy: str = "fixed"
    # "sgd" is the paper's; "adam" is an option for nets trained from scratch (no ImageNet trunk).
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 5e-4
    bias_lr_mult: float = 2.0
    images_per_update: int = 20
    # Images per forward pass; images_per_update / batch_size passes are accumulated per update.
    batch_size: int = 1
    # True: mean over the valid pixels (the paper's lr 1e-4); False: summed per image (REF's 1e-10).
    normalize_loss: bool = True
    iterations: int = 75_000
    eval_every: int = 4000
    checkpoint_every: int = 500
    log_every: int = 20
    dropout: bool = True
    # Only the score layers learn (FCN-32s-fixed): the trunk is kept as initialised.
    fixed: bool = False
    # Keep each 32×32 cell of the loss with probability p (§4.4's view of patchwise training).
    loss_sampling: float = 1.0
    class_balance: bool = False
    mirror: bool = False
    jitter: int = 0
    # With a frozen trunk (`fixed`), run it once per image and learn from its cached blobs where its
    # output is repeatable (training/cached_trunk.py says when; the log says why not).
    cache_trunk: bool = True

    def __post_init__(self) -> None:
        problems = type_problems(self)
        if problems:  # the range checks below assume the types
            raise RecipeError(None, "; ".join(problems))
        if not 0 < self.lr <= MAX_LR:
            problems.append(f"lr must be a positive number up to {MAX_LR:g}, got {self.lr}")
        if not 0 <= self.bias_lr_mult <= MAX_LR:
            problems.append(f"bias_lr_mult must be in [0, {MAX_LR:g}], got {self.bias_lr_mult}")
        bad_scales = {k: v for k, v in self.stage_lr_scale.items() if not 0 < v <= MAX_LR}
        if bad_scales:
            problems.append(f"stage_lr_scale values must be in (0, {MAX_LR:g}], got {bad_scales}")
        if self.lr_policy not in LR_POLICIES:
            problems.append(f"lr_policy must be one of {', '.join(LR_POLICIES)}, got {self.lr_policy!r}")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if not 0 <= self.momentum < 1:
            problems.append(f"momentum must be in [0, 1), got {self.momentum}")
        if not 0 <= self.weight_decay <= MAX_LR:
            problems.append(f"weight_decay must be in [0, {MAX_LR:g}], got {self.weight_decay}")
        for name in ("images_per_update", "batch_size", "iterations", "eval_every", "checkpoint_every", "log_every"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.batch_size >= 1 and self.images_per_update % self.batch_size:
            problems.append(f"images_per_update ({self.images_per_update}) must be a multiple of batch_size ({self.batch_size})")
        if not 0 < self.loss_sampling <= 1:
            problems.append(f"loss_sampling must be in (0, 1], got {self.loss_sampling}")
        if self.jitter < 0:
            problems.append(f"jitter must be 0 or more pixels, got {self.jitter}")
        unknown = set(self.stage_lr_scale) - set(STAGES)
        if unknown:
            problems.append(f"stage_lr_scale names unknown stages {sorted(unknown)}; stages are {', '.join(STAGES)}")
        if problems:
            raise RecipeError(None, "; ".join(problems))

    def stage_lr(self, stage: str) -> float:
        return self.lr * self.stage_lr_scale.get(stage, 1.0)

    def lr_at(self, stage: str, iteration: int) -> float:
        """Learning rate of update `iteration` (0-based): fixed, or poly (1 − it/total)^0.9."""
        base = self.stage_lr(stage)
        if self.lr_policy == "poly":
            return base * (1 - iteration / self.iterations) ** 0.9
        return base

    def with_overrides(self, **values: Any) -> "Recipe":
        """A copy with the given fields changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "recipe") -> "Recipe":
        if not isinstance(data, dict):
            raise RecipeError(source, f"a recipe must be a table of fields, found {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise RecipeError(source, f"unknown recipe field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        try:
            return cls(**data)
        except (TypeError, RecipeError) as exc:
            raise RecipeError(source, str(exc)) from None


def type_problems(obj: Any) -> list[str]:
    """Each field of a dataclass of the type it is declared with (recipes and run configurations come
    from JSON/TOML files; a bool is no number). Fields of other types are left to their own checks."""
    problems = []
    for f in fields(obj):
        value = getattr(obj, f.name)
        kind = _KINDS.get(f.type)
        if kind is None:
            continue
        if kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is dict:
            ok = isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, (int, float))
                                                 and not isinstance(v, bool) and math.isfinite(v) for k, v in value.items())
        else:
            ok = isinstance(value, kind)
        if not ok:
            problems.append(f"{f.name} must be {_KIND_NAMES[kind]}, got {value!r}")
    return problems


_KINDS = {"float": float, "int": int, "bool": bool, "str": str, "dict[str, float]": dict}
_KIND_NAMES = {float: "a finite number", int: "a whole number", bool: "true or false", str: "text",
               dict: "a table of stage names to finite numbers"}


PRESETS: dict[str, Recipe] = {
    "paper": Recipe(),
    "heavy": Recipe(
        name="heavy", lr=1e-10, stage_lr_scale={"32s": 1.0, "16s": 1e-2, "8s": 1e-4, "atonce": 1.0},
        momentum=0.99, images_per_update=1, batch_size=1, normalize_loss=False, iterations=100_000,
    ),
    # Dropout in a frozen trunk only perturbs the features the score layers see; without it the
    # trunk's blobs are computed once per image (training/cached_trunk.py), not at every update.
    "fixed": Recipe(name="fixed", fixed=True, dropout=False),
}


def load_recipe(spec: str | Path) -> Recipe:
    """A preset name (paper, heavy, fixed) or a .json / .toml file of recipe fields.

    A file may start from a preset with `preset = "heavy"` and override single fields.
    """
    if str(spec) in PRESETS:
        return PRESETS[str(spec)]
    path = Path(spec)
    if not path.is_file():
        raise RecipeError(spec, f"neither a recipe preset ({', '.join(PRESETS)}) nor a recipe file")
    try:
        text = path.read_text(encoding="utf-8")
        data = parse_toml(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, TOMLDecodeError, json.JSONDecodeError) as exc:
        raise RecipeError(path, f"cannot read recipe ({exc})") from None
    data = data.get("recipe", data) if isinstance(data, dict) else data
    if not isinstance(data, dict):
        raise RecipeError(path, "a recipe must be a table of fields")
    preset = data.pop("preset", None)
    if preset is not None and (not isinstance(preset, str) or preset not in PRESETS):
        raise RecipeError(path, f"unknown preset {preset!r}; presets are {', '.join(PRESETS)}")
    base = PRESETS[preset] if preset else Recipe(name=path.stem)
    known = {f.name for f in fields(Recipe)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RecipeError(path, f"unknown recipe field(s) {', '.join(unknown)}")
    try:
        return replace(base, **{"name": data.get("name", path.stem if not preset else base.name), **data})
    except (TypeError, RecipeError) as exc:
        raise RecipeError(path, str(exc)) from None


def save_recipe(recipe: Recipe, path: str | Path) -> Path:
    """Write a recipe as JSON or (by suffix) TOML; `load_recipe` reads either back unchanged."""
    path = Path(path)
    data = recipe.to_dict()
    text = tomli_w.dumps(data) if path.suffix.lower() == ".toml" else json.dumps(data, indent=2) + "\n"
    return write_text(path, text, "recipe")
