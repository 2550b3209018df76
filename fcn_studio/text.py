"""Words the CLI and the GUI both show: how long something takes or has left.

"ETA 22:43" reads as a clock time; a duration in words ("22 min 43 s") cannot be mistaken for one.
"""

from __future__ import annotations

import math

UNKNOWN = "–"


def duration(seconds: float) -> str:
    """`8 s`, `22 min 43 s`, `3 h 01 min` (seconds dropped past an hour); `–` when unknown."""
    if not math.isfinite(seconds):
        return UNKNOWN
    total = max(0, int(round(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def time_left(seconds: float) -> str:
    """`22 min 43 s left`, or `time left –` while there is no estimate yet."""
    return f"time left {UNKNOWN}" if not math.isfinite(seconds) or seconds < 0 else f"{duration(seconds)} left"
