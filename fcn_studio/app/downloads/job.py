"""`install` as a job: its progress callback becomes the generator's events (`event_stream`)."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from ..event_stream import stream
from ..jobs import CancelToken, Job, Lane
from .entries import DownloadEntry
from .fetch import DownloadCancelled
from .install import Installed, install


class InstallJob(Job):
    """Download, check and convert one catalogue entry; yields DownloadProgress, returns Installed
    (None when cancelled: the partial file is gone). A failure raises DownloadError or
    WeightFileError, FileProblems that name the source and the reason."""

    lane = Lane.DOWNLOAD

    def __init__(self, entry: DownloadEntry, from_file: str | Path | None = None):
        self.entry, self.from_file = entry, from_file
        self.title = f"get {entry.name}"

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, Installed | None]:
        cancel = cancel or CancelToken()
        try:
            return (yield from stream(lambda on_event: install(self.entry, on_event, cancel, self.from_file),
                                      self.title, cancel.cancel))
        except DownloadCancelled:
            return None
