"""What training and evaluation report while they run.

The trainer calls `on_event(event)` with these plain dataclasses; the CLI prints them as a
progress bar and the GUI turns them into plot points. Cancellation goes the other way: a
`CancelToken` the caller sets and the loop checks between steps.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class StageStarted:
    stage: str
    arch: str
    iterations: int
    start_iteration: int
    init: str = ""


@dataclass
class StepDone:
    stage: str
    iteration: int
    iterations: int
    loss: float
    lr: float
    images_per_s: float
    eta_s: float
    # This update alone, evaluation and checkpoint excluded: what a training-time comparison sums.
    update_s: float = 0.0


@dataclass
class Evaluated:
    stage: str
    iteration: int
    metrics: dict[str, Any]
    is_best: bool


@dataclass
class EvalProgress:
    done: int
    total: int


@dataclass
class CheckpointSaved:
    stage: str
    iteration: int
    path: str


@dataclass
class StageFinished:
    """status: "done", "cancelled" or "failed" (message says why and what was kept)."""

    stage: str
    status: str
    iteration: int
    message: str = ""
    best_model: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)


Event = StageStarted | StepDone | Evaluated | EvalProgress | CheckpointSaved | StageFinished
EventHandler = Callable[[Event], None]


def ignore(event: Event) -> None:
    """The default handler: report nothing."""


class CancelToken:
    """Thread-safe flag: `cancel()` from any thread, the running loop stops at its next check."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()
