"""Training as an app job, and the training names the GUI needs (re-exported here so that the GUI
depends on `fcn_studio.app` only, not on `fcn_studio.training` beneath it).

`TrainJob.run(cancel)` yields every training event (a resume first yields RunHistory) and returns
TrainDone; `cancel` is the trainer's own CancelToken: it saves a checkpoint and ends the stage with
status "cancelled".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Generator

from ..engine import registry
from ..errors import RecipeError
from ..training import (PRESETS, CheckpointSaved, EvalProgress, Evaluated, Recipe, StageFinished, StageStarted,
                        StepDone, TrainConfig, load_recipe, read_config, resume, train)
from ..training.checkpoint import checkpoint_path
from ..training.run_folder import STAGED
from .event_stream import stream
from .jobs import CancelToken, Job, Lane
from .run_history import RunHistory, run_history

log = logging.getLogger(__name__)

__all__ = ["PRESETS", "CheckpointSaved", "EvalProgress", "Evaluated", "Recipe", "StageFinished", "StageStarted",
           "StepDone", "TrainConfig", "TrainDone", "TrainJob", "checkpoint_of", "load_recipe", "read_config",
           "stage_choices"]


def stage_choices() -> tuple[tuple[str, str, bool], ...]:
    """(label, TrainConfig.stage, whether it starts from the current model) for every stage the
    registry knows: staged ones from the current model but the first, all staged, then at once."""
    first, *finer = registry.STAGED_ORDER
    choices = [(f"FCN-{first} from scratch", first, False)]
    choices += [(f"FCN-{stage} from current model", stage, True) for stage in finer]
    choices.append((f"{STAGED} {' → '.join(registry.STAGED_ORDER)}", STAGED, False))
    at_once = [registry.find(trunk, registry.AT_ONCE) for trunk in registry.at_once_trunks()]
    if at_once:
        trunks = ", ".join(arch.trunk.display for arch in at_once)
        choices.append((f"{at_once[0].display} ({trunks})", registry.AT_ONCE, False))
    return tuple(choices)


def checkpoint_of(run_dir: str | Path, stage: str) -> Path:
    """Where the trainer keeps `stage`'s last checkpoint in a run folder (a staged run has a folder
    per stage); what a cancelled or interrupted run resumes from."""
    try:
        folder = read_config(run_dir).stage_dir(stage)
    except RecipeError:
        folder = Path(run_dir)
    return checkpoint_path(folder)


@dataclass
class TrainDone:
    """What a TrainJob returns: the StageFinished of every stage that ran."""

    results: list[StageFinished]


class TrainJob(Job):
    """`train(config)` or, given `run_dir`, `resume(run_dir)`. Problems before the first step (bad
    dataset, occupied run folder) raise the FileProblem naming the file; a NaN stops the stage with status
    "failed" and its message."""

    title = "train"
    lane = Lane.TRAIN

    def __init__(self, config: TrainConfig | None = None, run_dir: str | Path | None = None):
        if (config is None) == (run_dir is None):
            raise ValueError("give a TrainConfig to start a run or a run folder to resume, not both")
        self.config, self.run_dir = config, Path(run_dir) if run_dir is not None else None
        self.results: list[StageFinished] = []

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, TrainDone]:
        cancel = cancel or CancelToken()

        def call(on_event):
            if self.run_dir is not None:
                return resume(self.run_dir, on_event, cancel)
            return train(self.config, on_event, cancel)

        if self.run_dir is not None:
            yield RunHistory(run_history(self.run_dir))
        self.results = list((yield from stream(call, self.title, cancel.cancel)) or [])
        return TrainDone(self.results)
