"""A run that starts from a catalogue trunk not here yet: its download first, then the run.

The Training dock and "Train on my annotations" both start this way; the download is the
ordinary InstallJob on Lane.DOWNLOAD (so the jobs panel shows it too, with its own Cancel), and
the run is submitted only once the trunk is checked and converted. A cancelled or failed
download starts nothing.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QLabel, QProgressBar

from ..app.downloads.fetch import DownloadProgress
from ..app.downloads.install import Installed
from ..app.downloads.job import InstallJob
from .worker import JobHandle, JobRunner


def say_in(status: QLabel, progress: QProgressBar) -> Callable[[str, float | None], None]:
    """`download_then`'s `say` for a dock's status line and its 0–100 progress bar."""

    def say(text: str, fraction: float | None) -> None:
        status.setText(text)
        if fraction is not None:
            progress.setValue(round(100 * fraction))

    return say


def download_then(runner: JobRunner, job: InstallJob, say: Callable[[str, float | None], None],
                  then: Callable[[], None], failed: Callable[[Exception], None],
                  finished: Callable[[], None]) -> JobHandle:
    """Submit `job`; `say(text, fraction or None)` follows it, `then()` runs once the trunk is ready.

    `finished()` comes last in every case (after `then` has submitted the run, when it did)."""
    entry = job.entry
    size = f", {entry.size_mb:.0f} MB" if entry.size_mb else ""
    say(f"downloading {entry.name} first{size}; the run starts when it is here…", None)

    def progress(event: object) -> None:
        if isinstance(event, DownloadProgress):
            say(event.message, event.done / event.total if event.total else None)

    def returned(done: Installed | None) -> None:
        if done is None:
            say(f"{entry.name}: download cancelled, nothing was kept; the run did not start", 0.0)
        else:
            then()

    return runner.submit(job, yielded=progress, returned=returned, errored=failed, finished=finished)
