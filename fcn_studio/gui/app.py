"""`run_app(args)`: start the window the way the command line asked, and the --screenshot mode.

With --screenshot the window opens, waits until every image is open and segmented (all heads
of the family, so the comparison grid is complete), saves a PNG of itself and exits; a 5-minute
deadline saves what is there and returns 1 instead of hanging a script forever.
"""

from __future__ import annotations

import argparse
import errno
import gc
import logging
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ..errors import OutputError
from ..files import write_file
from ..app.catalog import Catalog
from ..app.session import Session
from ..paths import sample_images
from .main_window import MainWindow
from .model_file import add_model_file

log = logging.getLogger(__name__)

SCREENSHOT_DEADLINE_S = 300.0


def build_window(args: argparse.Namespace, settings: QSettings | None = None, catalog: Catalog | None = None) -> MainWindow:
    """Window with args' images, model, head, device applied (the screenshot mode and tests use it)."""
    session = Session(catalog or Catalog())
    if settings is None:
        settings = QSettings("fcn-studio", "fcn-studio")
    if getattr(args, "device", None):
        settings.setValue("device", args.device)
    window = MainWindow(session, settings)
    vm = window.view_model
    problems = []
    entry = None
    if getattr(args, "model", None):
        entry = session.catalog.find(args.model)
        if entry is None:
            entry = add_model_file(vm, args.model, window.errors)
        if entry is not None:
            vm.model = entry
    # No --head: the named model's own head (`--model fcn16s` means its 16s, not the family's 8s);
    # with neither, the window keeps the head it remembered.
    head = getattr(args, "head", None) or (entry.head if entry is not None else None)
    if head:
        vm.head = head
    if getattr(args, "compare", False):
        vm.compare = vm.changes = True
    images = list(getattr(args, "images", None) or [])
    missing = [p for p in images if not Path(p).exists()]
    problems += [f"{p}: no such file or folder" for p in missing]
    if any(Path(p).exists() for p in images):
        window.notes.withdraw_reopen()  # the images asked for now, not last time's
    images = [p for p in images if Path(p).exists()] or [str(p) for p in sample_images()[:1]]
    window.opener.open_paths(images)
    for problem in problems:
        window.errors.report(problem)
    return window


def run_app(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("fcn-studio")
    app.setOrganizationName("fcn-studio")
    settings = None
    if getattr(args, "screenshot", None):
        # Automation must not depend on (or change) the user's remembered layout and choices.
        scratch = tempfile.mkdtemp(prefix="fcn-studio-")
        settings = QSettings(str(Path(scratch) / "settings.ini"), QSettings.Format.IniFormat)
    window = build_window(args, settings)
    window.show()
    settle_heap()
    if not getattr(args, "screenshot", None):
        return app.exec()
    return _screenshot_when_idle(app, window, Path(args.screenshot))


def settle_heap() -> None:
    """Collect once, then freeze what survives launch (Qt's wrappers, PyTorch, the models: ~400 000
    objects) out of the cyclic collector's sight. Python runs a full collection whenever enough new
    objects have survived; over everything it took ~230 ms, a freeze of the window at a random
    moment, and over what the window makes after launch it takes well under a millisecond."""
    gc.collect()
    gc.freeze()


def _screenshot_when_idle(app: QApplication, window: MainWindow, target: Path) -> int:
    start = time.monotonic()
    code = {"rc": 1}
    idle_polls = {"n": 0}

    def poll() -> None:
        timed_out = time.monotonic() - start > SCREENSHOT_DEADLINE_S
        # Two idle polls in a row: queued result signals have been delivered and drawn.
        idle_polls["n"] = 0 if window.busy() else idle_polls["n"] + 1
        if idle_polls["n"] >= 2 or timed_out:
            ok = save_screenshot(window, target)
            code["rc"] = 0 if ok and not timed_out else 1
            timer.stop()
            window.close()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(100)
    app.exec()
    return code["rc"]


def save_screenshot(window: object, target: Path) -> bool:
    """The window as a PNG, atomically like every file the program writes; False (logged) on failure."""
    def grab(tmp: str) -> None:
        if not window.grab().save(tmp, "PNG"):  # Qt reports a failed write by returning False
            raise OSError(errno.EIO, "Qt could not write the PNG")
    try:
        write_file(target, grab, "screenshot")
    except OutputError as exc:
        log.error("screenshot FAILED: %s", exc)
        return False
    log.info("screenshot %s", target)
    return True
