"""The Training dock: on the left the form (a dataset folder) and, in a second tab, "Train on my
annotations"; the live plots on the right, and — once a stage has saved a best model — a button
offering to use it in the main view.

The form scrolls: the dock is short (the image keeps most of the window) and the dataset check
can run to many lines (21 class names, problems naming long paths), which a squeezed layout cut.
Its Start / Cancel / Resume row stays below the scrolling fields, in sight at any dock height.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from .annotation_training_box import AnnotationTrainingBox
from .training_form import TrainingForm
from .training_plots import TrainingPlots
from .wheel_guard import guard_wheel


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
        self.best.setVisible(False)
        self.use_best.setVisible(False)
        self.use_best.clicked.connect(self.use_best_requested)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.form)
        column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(left)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Room for the form and the vertical scroll bar, so wrapped lines are never cut on the right.
        self.scroll.setMinimumWidth(left.minimumSizeHint().width() + self.scroll.verticalScrollBar().sizeHint().width())
        for inputs in (left, self.annotations):  # the wheel scrolls the form, not the box under it
            guard_wheel(inputs)
        self.dataset_tab = QWidget()
        tab = QVBoxLayout(self.dataset_tab)
        tab.setContentsMargins(0, 0, 0, 0)
        tab.setSpacing(0)
        tab.addWidget(self.scroll, 1)
        tab.addWidget(self.form.button_row)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.dataset_tab, "Dataset folder")
        self.tabs.addTab(self.annotations, "My annotations")
        split.addWidget(self.tabs)
        split.addWidget(self.plots)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([400, 880])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        row = QHBoxLayout()  # below both halves: always in sight, the form's scrolling aside
        row.setContentsMargins(6, 0, 6, 4)
        row.addWidget(self.best, 1)
        row.addWidget(self.use_best)
        layout.addLayout(row)

    def offer_best(self, label: str) -> None:
        self.best.setText(f"best model added to the model picker: {label}")
        self.best.setVisible(True)
        self.use_best.setVisible(True)

    def no_best(self) -> None:
        self.best.setText("")
        self.best.setVisible(False)
        self.use_best.setVisible(False)
