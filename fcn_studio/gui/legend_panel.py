"""Legend: each class with its colour, its share of the image, and a toggle; overlay opacity.

`bind(view_model)` makes the toggles, the slider and "show background" edit the model's `hidden`,
`opacity` and `show_background` and follow them; the shares are counted only when the shown result
changes.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QSlider, QVBoxLayout,
                               QWidget)

from ..app.view_model import ViewModel


class LegendPanel(QWidget):
    hidden_changed = Signal(object)  # set[int] of hidden classes
    opacity_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget()
        self.list.itemChanged.connect(self._emit_hidden)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        self.opacity.valueChanged.connect(lambda v: self.opacity_changed.emit(v / 100))
        row = QHBoxLayout()
        row.addWidget(QLabel("opacity"))
        row.addWidget(self.opacity)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(row)
        # Off by default: a coloured background dims the whole photo (Cellpose and napari leave it clear).
        self.background = QCheckBox("show background")
        layout.addWidget(self.background)
        self._names: list[str] = []

    def set_classes(self, names: list[str], palette: list[list[int]]) -> None:
        """Rebuild for a model's classes; toggles survive when the classes stay the same."""
        if names == self._names:
            return
        self._names = list(names)
        self.list.blockSignals(True)
        self.list.clear()
        for name, colour in zip(names, palette):
            pix = QPixmap(14, 14)
            pix.fill(QColor(*colour))
            item = QListWidgetItem(QIcon(pix), name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._emit_hidden()

    def set_counts(self, labels: np.ndarray | None) -> None:
        """Show each class's share of the current prediction next to its name."""
        counts = np.bincount(labels.ravel(), minlength=len(self._names)) if labels is not None else None
        self.list.blockSignals(True)
        for k, name in enumerate(self._names):
            share = f"  {100 * counts[k] / labels.size:.1f}%" if counts is not None and counts[k] else ""
            self.list.item(k).setText(name + share)
        self.list.blockSignals(False)

    def hidden(self) -> set[int]:
        return {k for k in range(self.list.count()) if self.list.item(k).checkState() != Qt.CheckState.Checked}

    def set_hidden(self, k: int, hidden: bool) -> None:
        self.list.item(k).setCheckState(Qt.CheckState.Unchecked if hidden else Qt.CheckState.Checked)

    def show_hidden(self, hidden: set[int]) -> None:
        """Check boxes as `hidden` says, without echoing it back as a change."""
        self.list.blockSignals(True)
        for k in range(self.list.count()):
            self.set_hidden(k, k in hidden)
        self.list.blockSignals(False)

    def show_opacity(self, opacity: float) -> None:
        if self.opacity.value() != round(opacity * 100):
            self.opacity.blockSignals(True)
            self.opacity.setValue(round(opacity * 100))
            self.opacity.blockSignals(False)

    def bind(self, vm: ViewModel) -> None:
        def classes(_=None) -> None:
            entry = vm.entry
            if entry is not None:
                self.set_classes(entry.info.class_names, entry.info.palette)
            self.show_hidden(set(vm.hidden))

        def counts(*_: object) -> None:
            pred = vm.prediction()
            self.set_counts(pred.labels if pred is not None else None)

        vm.events.model.connect(classes)
        vm.events.hidden.connect(lambda hidden: self.show_hidden(set(hidden)))
        vm.events.opacity.connect(self.show_opacity)
        vm.events.shown.connect(counts)
        vm.events.result.connect(lambda head: counts() if head == vm.head else None)
        self.hidden_changed.connect(lambda hidden: setattr(vm, "hidden", hidden))
        self.opacity_changed.connect(lambda value: setattr(vm, "opacity", value))
        self.background.toggled.connect(lambda on: setattr(vm, "show_background", on))
        vm.events.show_background.connect(lambda on: self.background.setChecked(on))
        self.background.setChecked(vm.show_background)
        classes()
        self.show_opacity(vm.opacity)

    def _emit_hidden(self, *_: object) -> None:
        self.hidden_changed.emit(self.hidden())
