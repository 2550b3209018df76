"""What the training plots show, kept without Qt: the loss and mean IU points of each stage, the
last evaluation's per-class IU, the loss range worth showing, and a steady estimate of the time left.

The widgets (`gui/training_plots.py`) draw from this object and keep nothing of their own, so a
new run starts clean by clearing it, and its rules are tested without a window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..engine.registry import HEADS
from ..text import UNKNOWN
from ..training.events import Evaluated, StageStarted, StepDone

LOSS_KIND, IU_KIND = "loss", "iu"
PACE_WEIGHT = 0.1  # the newest update's share of the smoothed seconds per update
SPIKE_FACTOR = 2.0  # the loss axis reaches this many times the loss's 90th percentile, no further
EMPTY_LOSS_RANGE = (0.0, 1.0)  # a loss axis before the first update: a loss is ≥ 0


@dataclass
class Curve:
    x: list[int] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    def add(self, x: int, y: float | None) -> None:
        """Append (x, y); a resumed run redoes the updates after its checkpoint, so points at or
        past `x` from before are replaced, not doubled."""
        if self.x and x <= self.x[-1]:
            keep = next(i for i, v in enumerate(self.x) if v >= x)
            del self.x[keep:], self.y[keep:]
        self.x.append(x)
        self.y.append(float(y) if y is not None and math.isfinite(y) else math.nan)


class Pace:
    """Seconds per update, smoothed (an exponential moving average of what the trainer's own
    estimate implies): one slow update on a busy machine moved the raw estimate from 25 min to
    4 min within a minute."""

    def __init__(self, weight: float = PACE_WEIGHT):
        self.weight = weight
        self.per_update = math.nan

    def reset(self) -> None:
        self.per_update = math.nan

    def step(self, event: StepDone) -> float:
        """Take one update's estimate; the smoothed seconds left."""
        left = max(event.iterations - event.iteration, 0)
        if left and math.isfinite(event.eta_s) and event.eta_s >= 0:
            now = event.eta_s / left
            self.per_update = now if math.isnan(self.per_update) else (
                self.weight * now + (1 - self.weight) * self.per_update)
        return self.per_update * left if left else 0.0


def stage_title(stage: str) -> str:
    """"FCN-32s" for a head's stage: a bare "32s: update 115" reads as thirty-two seconds. Other
    stages ("atonce", "train") keep their own name."""
    return f"FCN-{stage}" if stage in HEADS else stage


def about(seconds: float) -> str:
    """"about 12 min left": rounded to what an estimate can promise (5 s under a minute, a minute
    under an hour, 5 minutes beyond)."""
    if not math.isfinite(seconds) or seconds < 0:
        return f"time left {UNKNOWN}"
    if seconds < 60:
        text = f"{max(5, round(seconds / 5) * 5)} s"
    elif seconds < 3600:
        text = f"{round(seconds / 60)} min"
    else:
        hours, minutes = divmod(round(seconds / 300) * 5, 60)
        text = f"{hours} h {minutes:02d} min"
    return f"about {text} left"


def loss_range(values: list[float]) -> tuple[float, float]:
    """The loss axis: 0 (or below, for a negative loss) to the largest loss, but no higher than
    SPIKE_FACTOR × the 90th percentile, so one early spike does not flatten the rest of the curve."""
    finite = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
    if finite.size == 0:
        return EMPTY_LOSS_RANGE
    top = min(float(finite.max()), SPIKE_FACTOR * float(np.percentile(finite, 90)))
    low = min(0.0, float(finite.min()))
    return low, top if top > low else low + 1.0


class TrainingCurves:
    """Every point of one run's plots, by (kind, stage); the last per-class IU; the time left."""

    def __init__(self):
        self.curves: dict[tuple[str, str], Curve] = {}
        self.bars: tuple[list[float], list[str]] | None = None
        self.pace = Pace()
        self.seconds_left = math.nan

    def clear(self) -> None:
        self.curves.clear()
        self.bars = None
        self.pace.reset()
        self.seconds_left = math.nan

    def take(self, event: object) -> tuple[str, str] | None:
        """Add what `event` adds; the (kind, stage) of the curve it changed, if any."""
        if isinstance(event, StageStarted):
            self.pace.reset()
            self.seconds_left = math.nan
        elif isinstance(event, StepDone):
            self.seconds_left = self.pace.step(event)
            return self._add(LOSS_KIND, event.stage, event.iteration, event.loss)
        elif isinstance(event, Evaluated):
            self.set_bars(event.metrics.get("iu", []), event.metrics.get("class_names", []))
            return self._add(IU_KIND, event.stage, event.iteration, event.metrics.get("mean_iu"))
        return None

    def set_bars(self, iu: list[float | None], names: list[str]) -> None:
        """The per-class IU to show: an IU that is not a number (a class never seen) as 0, a class
        without a name by its index."""
        values = [0.0 if v is None or not math.isfinite(v) else float(v) for v in iu]
        self.bars = (values, [str(n) for n in names] or [str(k) for k in range(len(values))])

    def curve(self, kind: str, stage: str) -> Curve:
        return self.curves.get((kind, stage), Curve())

    def loss_range(self) -> tuple[float, float]:
        return loss_range([v for (kind, _), c in self.curves.items() if kind == LOSS_KIND for v in c.y])

    def _add(self, kind: str, stage: str, x: int, y: float | None) -> tuple[str, str]:
        self.curves.setdefault((kind, stage), Curve()).add(x, y)
        return kind, stage
