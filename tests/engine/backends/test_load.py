"""Other programs' share of the machine while something is timed (load.py)."""

import os
import subprocess
import sys
import time

import pytest

from fcn_studio.engine.backends import load


def test_others_are_the_machine_less_this_process(monkeypatch):
    monkeypatch.setattr(load.os, "cpu_count", lambda: 4)
    start = load.Snapshot(wall=10.0, machine=100.0, own=5.0)
    # 2 s of wall time on 4 cores; the machine was busy 3 CPU-seconds, 1 of them this process's.
    assert load.others_share(start, load.Snapshot(wall=12.0, machine=103.0, own=6.0)) == pytest.approx(2 / 8)
    assert load.others_share(start, load.Snapshot(wall=12.0, machine=101.0, own=6.0)) == 0.0  # own time only
    assert load.others_share(load.Snapshot(10.0, None, 5.0), load.Snapshot(12.0, None, 6.0)) is None  # not known


@pytest.mark.skipif(load.machine_busy_seconds() is None, reason="/proc/stat only (Linux): elsewhere the load is not known")
def test_a_program_spinning_beside_us_is_seen():
    start = load.snapshot()
    spinner = subprocess.Popen([sys.executable, "-c", "import time\nend = time.time() + 1.5\nwhile time.time() < end: pass"])
    try:
        time.sleep(1.0)
        share = load.others_share(start)
    finally:
        spinner.wait()
    assert share is not None and share > 0.6 / (os.cpu_count() or 1)  # one core of the machine's, or most of it
