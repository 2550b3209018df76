"""Background jobs: progress and Cancel. A batch segmentation has the first row; every download
(an InstallJob, whoever started it) gets a row of its own below, with its rate, ETA and Cancel."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ..app.downloads.job import InstallJob
from .download_row import DownloadRow
from .worker import JobHandle, JobRunner


class JobsPanel(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel("no job running")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(320)
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.cancel.clicked.connect(self.cancel_requested)
        self.downloads: list[DownloadRow] = []
        self._show: Callable[[], None] = lambda: None
        batch = QHBoxLayout()
        batch.addWidget(self.label, 1)
        batch.addWidget(self.bar)
        batch.addWidget(self.cancel)
        self.rows = QVBoxLayout(self)
        self.rows.setContentsMargins(6, 2, 6, 2)
        self.rows.addLayout(batch)
        self.rows.addStretch(1)

    def watch(self, runner: JobRunner, show: Callable[[], None] = lambda: None) -> None:
        """Give every download `runner` starts a row; `show()` brings the panel into view then."""
        self._show = show
        runner.submitted.connect(self._submitted)

    def started(self, title: str) -> None:
        self.label.setText(title)
        self.bar.setRange(0, 0)
        self.cancel.setEnabled(True)

    def progress(self, done: int, total: int, message: str) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.label.setText(message)

    def ended(self, message: str) -> None:
        self.label.setText(message)
        if self.bar.maximum() == 0:  # never got a progress event: show it as done, not busy
            self.bar.setRange(0, 1)
            self.bar.setValue(1)
        self.cancel.setEnabled(False)

    def _submitted(self, handle: JobHandle) -> None:
        if not isinstance(handle.job, InstallJob):
            return
        for row in [r for r in self.downloads if not r.running]:  # ended ones make room for the new one
            self.downloads.remove(row)
            row.deleteLater()
        row = DownloadRow(handle, self)
        self.downloads.append(row)
        self.rows.insertWidget(self.rows.count() - 1, row)
        self._show()
