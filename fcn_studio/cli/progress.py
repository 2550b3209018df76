"""Progress bars for the terminal: redrawn in place on a TTY, a line per 10 % in a log file."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressLine:
    """`[#####.....] 500/1000 scenes  suffix`; call it with (done, total[, suffix]).

    Not on a terminal (a log file, CI), a line is written per 10 % and at least every
    `log_interval` seconds, so a long run's log shows it is alive.
    """

    width = 30
    log_interval = 60.0

    def __init__(self, unit: str = "", stream: TextIO | None = None) -> None:
        self.unit = unit
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.shown = -1
        self.last_time = time.monotonic()

    def __call__(self, done: int, total: int, suffix: str = "") -> None:
        step = done * 10 // max(total, 1)
        now = time.monotonic()
        quiet = step == self.shown and now - self.last_time < self.log_interval
        if not self.tty and quiet and done != total:
            return
        self.shown, self.last_time = step, now
        filled = done * self.width // max(total, 1)
        unit = f" {self.unit}" if self.unit else ""
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}{unit}{'  ' + suffix if suffix else ''}"
        end = "\n" if done == total or not self.tty else ""
        print(f"\r{bar}\033[K" if self.tty else bar, end=end, file=self.stream, flush=True)

    def break_line(self) -> None:
        """Before printing something else mid-bar on a TTY, end the bar's line."""
        if self.tty and 0 <= self.shown:
            print(file=self.stream)
