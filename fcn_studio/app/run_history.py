"""What a training run logged before, read back so that a resumed run continues its curves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import FileProblem
from ..training import read_config
from ..training.events import Event
from ..training.run_folder import MetricsLog


@dataclass
class RunHistory:
    """The first event of a resumed TrainJob: the training events the run logged before (every
    stage's, in order), so a viewer replays them and continues the curves instead of starting empty."""

    events: list[Event]


def run_history(run_dir: str | Path) -> list[Event]:
    """The logged events of a run folder, stage by stage (a staged run keeps one log per stage
    folder); empty where there is no run configuration to say which stages there are."""
    try:
        config = read_config(run_dir)
        return [event for stage in config.stages for event in MetricsLog(config.stage_dir(stage)).events()]
    except (FileProblem, OSError, UnicodeDecodeError):
        return []  # the history is a courtesy: resuming itself reports an unreadable folder
