"""A run folder: what was asked (config.json), what happened (metrics.jsonl), what came out.

    RUN/config.json          the TrainConfig, recipe included — `--resume RUN` needs nothing else
    RUN/metrics.jsonl        the trainer's events, one JSON object a line (steps every log_every)
    RUN/tensorboard/         the same as TensorBoard scalars, when tensorboard is installed
    RUN/checkpoints/last.pt  the resumable state
    RUN/best.safetensors     the best model so far, in our own self-describing format
A staged run keeps one such folder per stage: RUN/32s, RUN/16s, RUN/8s.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..engine import registry
from ..errors import RecipeError
from ..files import replacing, write_text
from .events import TYPE_KEY, Evaluated, Event, event_from_record, event_record
from .recipes import PRESETS, TRAINING_PRECISIONS, Recipe, type_problems

CONFIG = "config.json"
METRICS = "metrics.jsonl"
BEST = "best.safetensors"
STAGED = "staged"  # every stage of STAGED_ORDER in turn, each from the one before
STAGED_ORDER = registry.STAGED_ORDER
STAGE_CHOICES = (*STAGED_ORDER, STAGED, *(s for s in registry.STAGES if s not in STAGED_ORDER))
BACKBONE_CHOICES = tuple(registry.TRUNKS)  # vgg16, alexnet, googlenet


def stage_arch(backbone: str, stage: str) -> str:
    """The net a stage trains on a trunk (registry names: fcn16s, alexnet-fcn16s). FCN-8s at once
    is REF's VGG16 net only."""
    arch = registry.find(backbone, stage)
    if arch is not None:
        return arch.name
    if stage == registry.AT_ONCE:
        have = " and ".join(registry.TRUNKS[t].display for t in registry.at_once_trunks())
        raise RecipeError(None, f"FCN-8s at once exists for {have} only, not {backbone}; "
                          f"train the other trunks staged ({' → '.join(STAGED_ORDER)}) instead")
    raise RecipeError(None, f"no {stage} net on the {backbone} trunk; stages are {', '.join(registry.STAGES)}")


@dataclass
class TrainConfig:
    """What to learn from and where to write; the recipe says how."""

    data: str
    out: str
    recipe: Recipe = field(default_factory=lambda: PRESETS["paper"])
    stage: str = "32s"
    width: float = 1.0
    init: str = ""
    backbone: str = "vgg16"
    pretrained: str = ""  # a torchvision ImageNet classifier state_dict of `backbone`
    train_split: str = "train"
    val_split: str = "val"
    seed: int = 0
    device: str = "auto"
    precision: str = "fp32"
    family: str = ""
    band: int = 4

    def __post_init__(self) -> None:
        problems = type_problems(self)
        if problems:
            raise RecipeError(None, "; ".join(problems))
        if self.stage not in STAGE_CHOICES:
            raise RecipeError(None, f"stage must be one of {', '.join(STAGE_CHOICES)}, got {self.stage!r}")
        if self.precision not in TRAINING_PRECISIONS:
            raise RecipeError(None, f"training precision must be auto, fp32 or bf16, got {self.precision!r}")
        if not self.width > 0:
            raise RecipeError(None, f"width must be positive, got {self.width}")
        if self.backbone not in BACKBONE_CHOICES:
            raise RecipeError(None, f"backbone must be one of {', '.join(BACKBONE_CHOICES)}, got {self.backbone!r}")
        for stage in self.stages:
            stage_arch(self.backbone, stage)

    @property
    def stages(self) -> tuple[str, ...]:
        return STAGED_ORDER if self.stage == STAGED else (self.stage,)

    def stage_dir(self, stage: str) -> Path:
        return Path(self.out) / stage if self.stage == STAGED else Path(self.out)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recipe"] = self.recipe.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = CONFIG) -> "TrainConfig":
        if not isinstance(data, dict):
            raise RecipeError(source, f"a run configuration must be a JSON object, found {type(data).__name__}")
        data = dict(data)
        recipe = Recipe.from_dict(data.pop("recipe", {}), source)
        known = {f.name for f in fields(cls)}
        try:
            return cls(recipe=recipe, **{k: v for k, v in data.items() if k in known})
        except TypeError as exc:
            raise RecipeError(source, str(exc)) from None
        except RecipeError as exc:
            if exc.path is not None:
                raise
            raise RecipeError(source, exc.reason) from None  # name the file the bad field is in


def write_config(config: TrainConfig) -> Path:
    """RUN/config.json, atomically: a full disk leaves no 0-byte file that would block the folder."""
    return write_text(Path(config.out) / CONFIG, json.dumps(config.to_dict(), indent=2) + "\n", "run configuration")


def read_config(run_dir: str | Path) -> TrainConfig:
    path = Path(run_dir) / CONFIG
    if not path.is_file():
        raise RecipeError(path, f"no run configuration here; is {run_dir} a run folder?")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecipeError(path, f"unreadable run configuration ({exc})") from None
    config = TrainConfig.from_dict(data, str(path))
    config.out = str(Path(run_dir))
    return config


class MetricsLog:
    """The events of a run as JSON lines: written as they happen, read back as the same event
    dataclasses (`events()`), so a viewer replays a log exactly as it drew the live run.
    `truncate_after(i)` forgets what a resumed run will redo."""

    def __init__(self, run_dir: str | Path):
        self.path = Path(run_dir) / METRICS

    def append(self, event: Event) -> None:
        """One record, whole or not at all: a write that fails (a full disk) is cut back off."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(json_safe(event_record(event))) + "\n").encode("utf-8")
        try:
            with self.path.open("ab") as f:
                start = f.tell()
                try:
                    f.write(line)
                    f.flush()
                    os.fsync(f.fileno())
                except OSError:
                    f.truncate(start)
                    raise
        except OSError:
            if self.path.is_file() and self.path.stat().st_size == 0:
                self.path.unlink()  # the first record never made it: no 0-byte log is left
            raise

    def events(self) -> list[Event]:
        """Every logged event, oldest first (undefined metrics come back as None)."""
        return [event for event in map(event_from_record, self._records()) if event is not None]

    def _records(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        records = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                break  # a line cut by a kill; everything after it is unreliable
        return records

    def truncate_after(self, iteration: int, redo_eval: bool = False) -> None:
        """Keep events up to `iteration`; with `redo_eval`, not its evaluation, which runs again."""
        def kept(record: dict[str, Any]) -> bool:
            at = record.get("iteration", record.get("start_iteration", 0))
            redone = redo_eval and record.get(TYPE_KEY) == Evaluated.__name__
            return at < iteration or (at == iteration and not redone)

        records = [r for r in self._records() if kept(r)]
        with replacing(self.path) as tmp:
            Path(tmp).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    def restart(self) -> None:
        """Forget every record: a stage starting without a checkpoint redoes all it had logged
        (a run killed between its first log line and its first checkpoint)."""
        self.path.unlink(missing_ok=True)


def json_safe(value: Any) -> Any:
    """JSON has no NaN: undefined metrics (a class never seen) are written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
