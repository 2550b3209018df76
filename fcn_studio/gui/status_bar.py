"""The bottom line: what is under the mouse, how long the result took, metrics, device and model."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.hover = QLabel()
        self.timing = QLabel()
        self.metrics = QLabel()
        self.where = QLabel()
        self.addWidget(self.hover, 1)
        for label in (self.timing, self.metrics, self.where):
            self.addPermanentWidget(label)

    def show_hover(self, text: str) -> None:
        self.hover.setText(text)

    def show_timing(self, head: str, seconds: float | None, cached: bool, note: str = "") -> None:
        """`note`: what the segmenter had to do differently (out of memory: tiles, the CPU)."""
        if seconds is None:
            self.timing.setText(f"{head}: computing…")
        else:
            self.timing.setText(f"{head} {seconds * 1000:.0f} ms{' (cached)' if cached else ''}{f' — {note}' if note else ''}")

    def show_metrics(self, text: str) -> None:
        self.metrics.setText(text)

    def show_where(self, device: str, model: str) -> None:
        self.where.setText(f"{device.upper()} | {model}")
