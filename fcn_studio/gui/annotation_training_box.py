"""The Training dock's "Train on my annotations" section: how long, how often to show the model
learning, Start and Cancel, and each round's held-out result (mean IU and per class).

The loss, mean IU and per-class bars are the dock's own plots (`TrainingPlots`); this box only
says what a round is to do and what the rounds achieved.
"""

from __future__ import annotations

import html
import math
from typing import Any, Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from ..app.annotate.round_summary import score_text
from ..app.annotate.training import AnnotationTraining
from .trunk_combo import TrunkCombo

SHOWN_MODEL = "the shown model"


class AnnotationTrainingBox(QGroupBox):
    start_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Train on my annotations", parent)
        defaults = AnnotationTraining()
        self.updates = QSpinBox()
        self.updates.setRange(1, 100_000)
        self.updates.setValue(defaults.updates)
        self.live_every = QDoubleSpinBox()
        self.live_every.setRange(0.0, 600.0)
        self.live_every.setValue(defaults.live_every_s)
        self.live_every.setSuffix(" s")
        self.live_every.setToolTip("how often the shown image is segmented again with the newest weights")
        self.start_from = TrunkCombo(SHOWN_MODEL)  # a catalogue trunk instead (issue 28)
        self.start = QPushButton("Train on my annotations")
        self.start.clicked.connect(self.start_requested)
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.cancel.clicked.connect(self.cancel_requested)
        self.result = QLabel("fine-tunes the current model on the painted images; tick “keep for testing” on some "
                             "to see mean IU on them")
        self.result.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start, 1)
        buttons.addWidget(self.cancel)
        form = QFormLayout(self)
        form.addRow("Updates", self.updates)
        form.addRow("Live prediction every", self.live_every)
        form.addRow("Start from", self.start_from)
        form.addRow(buttons)
        form.addRow(self.result)

    def settings(self, device: str) -> AnnotationTraining:
        """The round the box describes (the held-out evaluation interval follows from the updates)."""
        return AnnotationTraining(updates=self.updates.value(), live_every_s=self.live_every.value(), device=device,
                                  start_from=self.start_from.chosen())

    def set_running(self, running: bool) -> None:
        self.start.setEnabled(not running)
        self.start_from.setEnabled(not running)
        self.cancel.setEnabled(running)

    def show_round(self, round_name: str, note: Mapping[str, Any] | None, metrics: dict | None) -> None:
        """A round's held-out result: its figure with what it covers (`note`, the round's note; None
        when the round ended before an update), the update it kept and why, and the per-class IU
        of its last evaluation (`metrics`)."""
        if note is None:
            self.result.setText(f"{round_name}: no model kept (it ended before its first update)")
            return
        per_class = ", ".join(f"{name} {iu:.2f}" for name, iu in zip((metrics or {}).get("class_names", []),
                                                                    (metrics or {}).get("iu", []))
                              if iu is not None and math.isfinite(iu))
        score = score_text(note.get("held_out"))
        if note.get("held_out") is None:
            score = "no held-out images — tick “keep this image for testing” on a painted image to measure the model"
        self.result.setText(f"<b>{round_name}</b>: {html.escape(score)}<br>{html.escape(note.get('kept_reason', ''))}"
                            + (f"<br>{html.escape(per_class)}" if per_class else ""))
