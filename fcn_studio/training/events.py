"""What training and evaluation report while they run.

The trainer calls `on_event(event)` with these plain dataclasses; the CLI prints them as a
progress bar and the GUI turns them into plot points. The run folder's metrics.jsonl holds the
same events (`event_record` / `event_from_record`), so what a viewer replays from a log is what it
drew live. Cancellation goes the other way: a `CancelToken` the caller sets and the loop checks
between steps.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field, fields
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
EVENT_TYPES: dict[str, type] = {cls.__name__: cls for cls in
                                (StageStarted, StepDone, Evaluated, EvalProgress, CheckpointSaved, StageFinished)}
TYPE_KEY = "event"


def event_record(event: Event) -> dict[str, Any]:
    """The event as a JSON-ready dict: its fields and, under "event", its type's name."""
    return {TYPE_KEY: type(event).__name__, **asdict(event)}


def event_from_record(record: dict[str, Any]) -> Event | None:
    """The event `event_record` made, or None for a record of no known event type. Fields a
    later version added are left out; fields it dropped take their defaults."""
    cls = EVENT_TYPES.get(str(record.get(TYPE_KEY)))
    if cls is None:
        return None
    names = {f.name for f in fields(cls)}
    try:
        return cls(**{k: v for k, v in record.items() if k in names})
    except TypeError:  # a required field is missing: not a record this version wrote
        return None


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
