"""How much of the machine other programs used while something was timed.

A verdict timed while other programs ran ranks the paths by how each copes with sharing the CPU,
not by how fast it is: with the test suite running beside the app, the shipped FCN-8s's verdict
picked ONNX Runtime int8 where an idle machine measures OpenVINO int8 faster, and a verdict is
kept until the weights, the CPU or a library changes. Linux counts every core's busy time in
/proc/stat; less this process's own CPU time, that is what the others used. Elsewhere it is not
known (None), and verdicts are kept as measured.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

STAT = Path("/proc/stat")
# /proc/stat's first line: user nice system idle iowait irq softirq steal (guest time is inside user).
BUSY_FIELDS = (0, 1, 2, 5, 6, 7)


@dataclass(frozen=True)
class Snapshot:
    wall: float  # seconds, monotonic
    machine: float | None  # CPU-seconds every core has spent busy so far (None: not known here)
    own: float  # CPU-seconds this process has spent so far, all its threads


def machine_busy_seconds() -> float | None:
    try:
        fields = STAT.read_text().splitlines()[0].split()[1:]
        return sum(int(fields[i]) for i in BUSY_FIELDS) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def snapshot() -> Snapshot:
    times = os.times()
    return Snapshot(time.monotonic(), machine_busy_seconds(), times.user + times.system)


def others_share(start: Snapshot, end: Snapshot | None = None) -> float | None:
    """Other programs' CPU time between two snapshots as a share of all cores' time (0 to 1)."""
    end = end or snapshot()
    wall = end.wall - start.wall
    if start.machine is None or end.machine is None or wall <= 0:
        return None
    others = (end.machine - start.machine) - (end.own - start.own)
    return min(1.0, max(0.0, others / (wall * (os.cpu_count() or 1))))
