"""Background jobs: progress and Cancel. Batch segmentation uses it now; training plugs in later."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget


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
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)

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
