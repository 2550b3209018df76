"""The Annotate dock: tools, brush size, class, annotation layer, accept-the-prediction, testing flag.

`bind(state)` makes every control edit the `AnnotateState` and follow it, so the keys (`[` `]`,
digits) and the dock always agree; the dock keeps no state of its own. What needs the window (the class editor, accepting the
prediction, the held-out flag, a new project) leaves as a signal for `AnnotateControl`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QPushButton, QSlider, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from ..app.annotate.workspace import MAX_BRUSH, AnnotateState, class_key
from .layer_row import LayerRow

TOOL_TEXT = {"pan": ("Pan", "drag moves the image, the wheel zooms"),
             "brush": ("Brush", "paint the chosen class; [ and ] change the size"),
             "eraser": ("Eraser", "back to unlabelled"),
             "fill": ("Fill", "give the class to the connected region of the prediction under the click"),
             "polygon": ("Polygon", "click corners, double-click or Enter closes; or drag a lasso")}


def swatch(colour) -> QIcon:
    pix = QPixmap(14, 14)
    pix.fill(QColor(*[int(c) for c in colour]))
    return QIcon(pix)


class AnnotatePanel(QWidget):
    classes_requested = Signal()  # open the class editor
    accept_requested = Signal()  # copy the shown prediction into the annotation
    held_out_changed = Signal(bool)  # the shown image's "keep for testing"
    fully_painted_changed = Signal(bool)  # the shown image's "fully painted"
    new_project_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.project = QLabel("no annotation project: File ▸ New annotation project…")
        self.project.setWordWrap(True)
        self.new_project = QPushButton("New project from the open images…")
        self.new_project.clicked.connect(self.new_project_requested)
        self.tools = QButtonGroup(self)
        tool_row = QHBoxLayout()
        self.tool_buttons: dict[str, QToolButton] = {}
        for k, (tool, (text, tip)) in enumerate(TOOL_TEXT.items()):
            button = self.tool_buttons[tool] = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            self.tools.addButton(button, k)
            tool_row.addWidget(button)
        self.size = QSpinBox()
        self.size.setRange(1, int(2 * MAX_BRUSH))
        self.size.setSuffix(" px")
        self.size.setToolTip("brush diameter in image pixels ([ smaller, ] bigger)")
        self.label = QComboBox()
        self.edit_classes = QPushButton("Classes…")
        self.edit_classes.clicked.connect(self.classes_requested)
        class_row = QHBoxLayout()
        class_row.addWidget(self.label, 1)
        class_row.addWidget(self.edit_classes)
        self.show_layer = QCheckBox("show")
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        layer_row = QHBoxLayout()
        layer_row.addWidget(self.show_layer)
        layer_row.addWidget(self.opacity, 1)
        self.prediction = LayerRow("the shown model's prediction, a lighter fill under the annotation")
        self.accept = QPushButton("Accept the prediction")
        self.accept.setToolTip("copy the shown prediction into the unlabelled pixels (where its score is at least the threshold)")
        self.accept.clicked.connect(self.accept_requested)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setPrefix("score ≥ ")
        accept_row = QHBoxLayout()
        accept_row.addWidget(self.accept, 1)
        accept_row.addWidget(self.threshold)
        self.held_out = QCheckBox("keep this image for testing (not trained on)")
        self.held_out.toggled.connect(self.held_out_changed)
        self.fully_painted = QCheckBox("fully painted (every pixel labelled as it should be)")
        self.fully_painted.setToolTip("only fully painted test images give a held-out score without a caveat: "
                                      "Accept the prediction, fix it, then tick this")
        self.fully_painted.toggled.connect(self.fully_painted_changed)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Tool", tool_row)
        form.addRow("Size", self.size)
        form.addRow("Class", class_row)
        form.addRow("Annotation", layer_row)
        form.addRow("Prediction", self.prediction)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.project)
        layout.addWidget(self.new_project)
        layout.addLayout(form)
        layout.addLayout(accept_row)
        layout.addWidget(self.held_out)
        layout.addWidget(self.fully_painted)
        self._live_rows(layout)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def _live_rows(self, layout: QVBoxLayout) -> None:
        """Live mode (LiveControl drives these): refit after each stroke, the uncertainty layer, and
        the jump to the image the model is least sure of."""
        self.live = QCheckBox("Live")
        self.live.setChecked(True)
        self.live.setToolTip("after each stroke, refit the score layers on every painted image and repaint this one")
        self.uncertainty = QCheckBox("Uncertainty")
        self.uncertainty.setToolTip("show where the model is unsure (the two best classes close)")
        self.next_uncertain = QPushButton("Next most uncertain image (N)")
        self.next_uncertain.setToolTip("show the project image the live head is least sure of: paint where it helps")
        row = QHBoxLayout()
        row.addWidget(self.live)
        row.addWidget(self.uncertainty)
        row.addWidget(self.next_uncertain, 1)
        self.live_status = QLabel("")
        self.live_status.setWordWrap(True)
        layout.addLayout(row)
        layout.addWidget(self.live_status)
        self.show_live(False)

    def show_live(self, project: bool) -> None:
        for widget in (self.live, self.next_uncertain):
            widget.setEnabled(project)

    def bind(self, state: AnnotateState) -> None:
        self.state = state
        tools = list(TOOL_TEXT)
        self.tools.idClicked.connect(lambda k: setattr(state, "tool", tools[k]))
        self.size.valueChanged.connect(lambda d: setattr(state, "radius", d / 2) if round(2 * state.radius) != d else None)
        self.label.activated.connect(lambda k: setattr(state, "label", k))
        self.show_layer.toggled.connect(lambda on: setattr(state, "visible", on))
        self.opacity.valueChanged.connect(lambda v: setattr(state, "opacity", v / 100))
        self.threshold.valueChanged.connect(lambda v: setattr(state, "threshold", v))
        state.events.tool.connect(lambda tool: self.tool_buttons[tool].setChecked(True))
        state.events.radius.connect(self._show_radius)
        state.events.label.connect(lambda k: self.label.setCurrentIndex(k))
        state.events.visible.connect(lambda on: self.show_layer.setChecked(on))
        state.events.opacity.connect(lambda v: self.opacity.setValue(round(100 * v)))
        state.events.threshold.connect(lambda v: self.threshold.setValue(v))
        state.events.classes.connect(self.fill_classes)
        state.events.project.connect(lambda _: (self.show_project(), self.show_image()))
        state.events.name.connect(lambda _: self.show_image())
        state.events.annotation.connect(lambda _: self.show_image())
        self.tool_buttons[state.tool].setChecked(True)
        self._show_radius(state.radius)
        self.show_layer.setChecked(state.visible)
        self.opacity.setValue(round(100 * state.opacity))
        self.threshold.setValue(state.threshold)
        self.fill_classes()
        self.show_project()
        self.show_image()

    def _show_radius(self, radius: float) -> None:
        self.size.blockSignals(True)
        self.size.setValue(max(1, round(2 * radius)))
        self.size.blockSignals(False)

    def fill_classes(self) -> None:
        state = self.state
        self.label.clear()
        for k, (name, colour) in enumerate(zip(state.class_names, state.palette)):
            self.label.addItem(swatch(colour), f"{class_key(k) or ' '}  {name}")
        self.label.setCurrentIndex(state.label if state.class_names else -1)

    def show_project(self) -> None:
        project = self.state.project
        self.new_project.setVisible(project is None)
        for widget in (self.edit_classes, self.accept, self.held_out, self.label):
            widget.setEnabled(project is not None)
        if project is None:
            self.project.setText("no annotation project: File ▸ New annotation project…")
            return
        painted = len(project.training_names()) + len(project.held_out_names())
        self.project.setText(f"<b>{project.root.name}</b> — {len(project.names)} images, {painted} painted or kept for "
                             f"testing<br><small>{project.root}</small>")

    def show_image(self) -> None:
        state = self.state
        self.held_out.blockSignals(True)
        self.held_out.setChecked(state.held_out())
        self.held_out.setEnabled(state.annotation is not None)
        self.held_out.blockSignals(False)
        self.fully_painted.blockSignals(True)
        self.fully_painted.setChecked(state.fully_painted())
        self.fully_painted.setEnabled(state.annotation is not None)
        self.fully_painted.blockSignals(False)
        self.accept.setEnabled(state.project is not None)
        if state.project is not None and state.annotation is None:
            self.status.setText("this image is not in the project: painting on it asks to add it")
        elif state.annotation is not None:
            self.status.setText(f"{state.name}: {state.annotation.labelled_pixels:,} px labelled")
