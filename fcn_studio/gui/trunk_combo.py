"""A "Start from" list: a first choice of the form's own (random weights, the shown model), then the
catalogue's ImageNet trunks with their state ("ready", or "not here — downloads when Start is
pressed"). The Training dock and "Train on my annotations" both use it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWidget

from ..app.downloads.trunks import TrunkChoice, trunk_choices
from ..errors import FileProblem


class TrunkCombo(QComboBox):
    """`chosen()` is the trunk's catalogue name, "" for the first choice."""

    def __init__(self, first: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.first = first
        self.trunks: list[TrunkChoice] = []
        # Its longest entry ("… — not here — downloads when Start is pressed") must not widen the form
        # and squeeze the plots beside it: the list shows entries in full when it opens.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(24)
        self.setToolTip("the ImageNet classifier the paper fine-tunes (as `train --init NAME`); one not here is "
                        "downloaded when Start is pressed (File ▸ Get models… lists them all)")
        self.show_trunks()

    def show_trunks(self) -> None:
        """List the trunks with their state now (after a download: "ready"); the choice stays."""
        chosen = self.chosen() if self.count() else ""
        self.blockSignals(True)
        self.clear()
        self.addItem(self.first, "")
        try:
            self.trunks = trunk_choices()
        except FileProblem as exc:  # a lab's catalogue file that cannot be read: say so, offer the rest
            self.trunks = []
            self.setItemData(0, str(exc), Qt.ItemDataRole.ToolTipRole)
        for trunk in self.trunks:
            self.addItem(trunk.label, trunk.name)
        self.blockSignals(False)
        self.choose(chosen)

    def chosen(self) -> str:
        return self.currentData() or ""

    def choose(self, name: str) -> None:
        """Choose trunk `name` ("" or one no longer in the catalogue: the first choice)."""
        self.setCurrentIndex(max(self.findData(name), 0))

    def trunk(self) -> TrunkChoice | None:
        """The chosen trunk (None for the first choice)."""
        return next((t for t in self.trunks if t.name == self.chosen()), None)
