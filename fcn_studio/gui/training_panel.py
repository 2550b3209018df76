"""The Training dock: on the left the form (a dataset folder) and, in a second tab, "Train on my
annotations"; the live plots on the right, and — once a stage has saved a best model — a button
offering to use it in the main view."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget

from .annotation_training_box import AnnotationTrainingBox
from .training_form import TrainingForm
from .training_plots import TrainingPlots


class TrainingPanel(QWidget):
    use_best_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.form = TrainingForm()
        self.annotations = AnnotationTrainingBox()
        self.plots = TrainingPlots()
        self.best = QLabel("")
        self.best.setWordWrap(True)
        self.use_best = QPushButton("Use this model")
        self.use_best.setVisible(False)
        self.use_best.clicked.connect(self.use_best_requested)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.form)
        row = QHBoxLayout()
        row.addWidget(self.best, 1)
        row.addWidget(self.use_best)
        column.addLayout(row)
        column.addStretch(1)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.tabs = QTabWidget()
        self.tabs.addTab(left, "Dataset folder")
        self.tabs.addTab(self.annotations, "My annotations")
        split.addWidget(self.tabs)
        split.addWidget(self.plots)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([380, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    def offer_best(self, label: str) -> None:
        self.best.setText(f"best model added to the model picker: {label}")
        self.use_best.setVisible(True)

    def no_best(self) -> None:
        self.best.setText("")
        self.use_best.setVisible(False)
