"""What a training run logged before, read back so that a resumed run continues its curves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FileProblem
from ..training import read_config
from ..training.run_folder import MetricsLog


@dataclass
class RunHistory:
    """The first event of a resumed TrainJob: what the run logged before (metrics.jsonl records
    of every stage, in order), so a viewer continues the run's curves instead of starting empty."""

    records: list[dict[str, Any]]


def run_history(run_dir: str | Path) -> list[dict[str, Any]]:
    """The metrics.jsonl records of a run folder, stage by stage (a staged run keeps one log per
    stage folder); empty where there is no run configuration to say which stages there are."""
    try:
        config = read_config(run_dir)
        return [record for stage in config.stages for record in MetricsLog(config.stage_dir(stage)).read()]
    except (FileProblem, OSError, ValueError):
        return []  # the history is a courtesy: resuming itself reports an unreadable folder
