"""Background threads yield the CPU to the window.

On a machine with few cores a forward pass or a training step keeps every core busy, and the GUI
thread, at the same priority, waits its turn: the window stalled 50–80 ms at a time while the app
segmented or trained (`fcn_studio.benchmarks.gui_stall`). A thread that lowers its own priority (a higher
nice value) loses nothing when the window is idle and gives way at once when it has work. Threads
and processes a lowered thread starts (PyTorch's OpenMP team, ONNX Runtime's pool, an export child
process) inherit its priority, so the whole of a background job runs below the window.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

BACKGROUND_NICE = 10  # CFS weight 110 against the window's 1024: background work still gets idle cores


def lower_thread_priority(nice: int = BACKGROUND_NICE) -> bool:
    """Give the calling thread at least `nice`; True where the system did. Linux keeps a nice value
    per thread (elsewhere the GUI's worker also asks Qt for a low thread priority). A thread can
    raise its nice value but, without privileges, never lower it again: call it only on threads
    that do background work for as long as they live."""
    if not sys.platform.startswith("linux"):
        return False
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, max(os.getpriority(os.PRIO_PROCESS, thread), nice))
    except OSError as exc:  # a sandbox may refuse it: the work still runs, at normal priority
        log.debug("could not lower the priority of thread %d: %s", thread, exc)
        return False
    return True


def thread_priority() -> int:
    """The calling thread's nice value (0 where the system keeps none per thread)."""
    if not sys.platform.startswith("linux"):
        return 0
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
