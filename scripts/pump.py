"""Run the event loop of a scripted window until a condition holds (the screenshot scripts' wait)."""

from __future__ import annotations

import threading
import time
from typing import Callable

from PySide6.QtWidgets import QApplication


def pump(app: QApplication, until: Callable[[], bool], timeout_s: float | None = None) -> None:
    """Process events every 20 ms until `until()` is true, or `timeout_s` has passed (None: no limit)."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while not until() and (deadline is None or time.monotonic() < deadline):
        app.processEvents()
        time.sleep(0.02)


def join_workers(timeout_s: float = 300) -> None:
    """Let the program's background threads end (a runtime still being prepared) rather than be
    killed at exit, after the window is closed."""
    for thread in threading.enumerate():
        if thread.name.startswith("fcn-studio"):
            thread.join(timeout_s)
