"""Progress bars for the terminal, drawn by tqdm.

A bottom-layer module (it imports nothing of the project) so that any command can draw one;
cli/ holds subcommands only.

On a terminal the bar is redrawn in place. Elsewhere (a log file, CI, nohup) tqdm's carriage
returns would pile up on one line, so each redraw becomes a line of its own, at most one per
`LOG_INTERVAL` seconds plus the last: a long run's log shows it is alive without flooding it.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm

LOG_INTERVAL = 60.0
TTY_INTERVAL = 0.1
BAR_FORMAT = "{l_bar}{bar:30}| {n_fmt}/{total_fmt} {unit} [{elapsed}{postfix}]"


class _LinePerRedraw:
    """A stream for tqdm off a terminal: every redraw is written as one plain line."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.encoding = getattr(stream, "encoding", None) or "utf-8"

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        if line:
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()


class ProgressLine:
    """`bar(done, total[, suffix])` after each unit of work; `bar.write(text)` prints a line
    without tearing the bar. The tqdm bar is made on the first call, when the total is known."""

    def __init__(self, unit: str = "", stream: TextIO | None = None) -> None:
        self.unit = unit
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.file = self.stream if self.tty else _LinePerRedraw(self.stream)
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int, suffix: str = "") -> None:
        if self.bar is None or self.bar.total != total:
            self.close()
            self.bar = tqdm(total=total, unit=self.unit, file=self.file, bar_format=BAR_FORMAT, ascii=not self.tty,
                            mininterval=TTY_INTERVAL if self.tty else LOG_INTERVAL, dynamic_ncols=self.tty, position=0)
        self.bar.set_postfix_str(suffix, refresh=False)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.close()

    def write(self, text: str) -> None:
        """A line of its own above the bar (an evaluation's scores, a stage's end)."""
        tqdm.write(text, file=self.file)
        self.file.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
