"""One download in the jobs panel: what comes in, how fast, how long still, and its own Cancel.

It follows the InstallJob's handle, whoever submitted it (File ▸ Get models…, the Training dock's
"Start from" trunk, a round on the annotations), so every download shows in one place alike.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from ..app.downloads.fetch import DownloadProgress
from ..app.downloads.install import Installed
from .worker import JobHandle

BAR_STEPS = 1000


class DownloadRow(QWidget):
    """The row of one download's `handle`; it stays, saying how the download ended, until dropped."""

    def __init__(self, handle: JobHandle, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = handle.job.entry.name
        self.running = True
        self.label = QLabel(f"{handle.job.title}: connecting…")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(320)
        self.bar.setRange(0, 0)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("stop this download; the part already fetched is deleted")
        self.cancel.clicked.connect(handle.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        handle.yielded.connect(self._progress)
        handle.returned.connect(self._returned)
        handle.errored.connect(lambda problem: self._end(f"{self.name}: failed ({problem})", 0))
        handle.finished.connect(self._finished)

    def _progress(self, event: object) -> None:
        if isinstance(event, DownloadProgress):
            self.label.setText(f"downloading {event.message}")
            if event.total:
                self.bar.setRange(0, BAR_STEPS)
                self.bar.setValue(int(BAR_STEPS * event.done / event.total))

    def _returned(self, done: Installed | None) -> None:
        if done is None:
            self._end(f"{self.name}: download cancelled; nothing was kept", 0)
        else:
            self._end(f"{self.name} ready: {done.path}", BAR_STEPS)

    def _end(self, text: str, value: int) -> None:
        self.label.setText(text)
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setValue(value)

    def _finished(self) -> None:
        self.running = False
        self.cancel.setEnabled(False)
