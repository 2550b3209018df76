"""The bottom line: what is under the mouse, how long the result took, metrics, device and model."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from ..app.view_model import ViewModel


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

    def bind(self, vm: ViewModel) -> None:
        """Follow `vm`: timing and metrics of the shown head, the device and model; `hover_at` reads
        the pixel under the mouse."""
        self.vm = vm
        self.pixel: tuple[int, int] | None = None  # the last pixel under the mouse, on the shown image
        vm.events.image.connect(lambda _: self._forget_hover())
        vm.events.shown.connect(self.draw)
        vm.events.result.connect(lambda _: self.draw())

    def draw(self) -> None:
        vm = self.vm
        entry = vm.entry
        if self.pixel is not None:  # another head (or its result): the readout of the same pixel
            self.show_hover(vm.hover_text(*self.pixel))
        self.show_where(vm.device, entry.label if entry else "no model")
        if vm.image is None:
            return
        if entry is not None:
            pred = vm.prediction()
            self.show_timing(vm.head_label(vm.head), pred.seconds if pred else None, cached=vm.from_cache(),
                             note=pred.note if pred else "")
        m = vm.metrics()
        self.show_metrics(f"{vm.head} vs truth: mean IU {m['mean_iu']:.3f} · pixel acc. {m['pixel_acc']:.3f}" if m else "")

    def hover_at(self, x: int, y: int) -> None:
        """The mouse is over image pixel (x, y) (−1, −1: off the image)."""
        self.pixel = (x, y) if x >= 0 else None
        self.show_hover(self.vm.hover_text(x, y))

    def _forget_hover(self) -> None:
        """Another image: the last one's readout is no longer true; the next mouse move reads anew."""
        self.pixel = None
        self.show_hover("")
