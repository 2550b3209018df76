"""The bottom line: what is under the mouse, how long the result took, metrics, device and model."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from ..app import view_sentences as sentences
from ..app.view_model import ViewModel


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.hover = QLabel()
        self.timing = QLabel()
        self.metrics = QLabel()
        self.where = QLabel()
        self.extra: Callable[[int, int], str] | None = None  # more about the pixel (the annotation there)
        self.addWidget(self.hover, 1)
        for label in (self.timing, self.metrics, self.where):
            self.addPermanentWidget(label)

    def show_hover(self, text: str) -> None:
        self.hover.setText(text)

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
            self.hover_at(*self.pixel)
        self.show_where(vm.device, entry.label if entry else "no model")
        if vm.image is None:
            return
        if entry is not None:
            self.timing.setText(sentences.timing(vm))
        m = vm.metrics()
        self.show_metrics(f"FCN-{vm.head} vs the truth: mean IU {m['mean_iu']:.3f} · pixel acc. {m['pixel_acc']:.3f}" if m else "")

    def hover_at(self, x: int, y: int) -> None:
        """The mouse is over image pixel (x, y) (−1, −1: off the image)."""
        self.pixel = (x, y) if x >= 0 else None
        parts = [sentences.hover_text(self.vm, x, y), self.extra(x, y) if self.extra is not None and x >= 0 else ""]
        self.show_hover(" | ".join(p for p in parts if p))

    def _forget_hover(self) -> None:
        """Another image: the last one's readout is no longer true; the next mouse move reads anew."""
        self.pixel = None
        self.show_hover("")
