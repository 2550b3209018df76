"""One layer's row in the Annotate dock: a "show" box and an opacity slider.

The prediction gets its own row beside the annotation's: while the user corrects a prediction the
two must be told apart (the annotation solid, the prediction a lighter fill under it), and either
may be hidden to look at the photo or at what is painted alone."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QHBoxLayout, QSlider, QWidget

from ..app.annotate.workspace import PREDICTION_OPACITY, AnnotateState
from ..app.view_model import ViewModel


class LayerRow(QWidget):
    shown = Signal(bool)
    opacity_changed = Signal(float)  # 0..1

    def __init__(self, tip: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.show_box = QCheckBox("show")
        self.show_box.setChecked(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.setToolTip(tip)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.show_box)
        row.addWidget(self.slider, 1)
        self.show_box.toggled.connect(self.shown)
        self.slider.valueChanged.connect(lambda v: self.opacity_changed.emit(v / 100))

    def set_opacity(self, opacity: float) -> None:
        """Follow the model's opacity without echoing it back."""
        self.slider.blockSignals(True)
        self.slider.setValue(round(100 * opacity))
        self.slider.blockSignals(False)


def bind_prediction(row: LayerRow, overlay: QGraphicsItem, vm: ViewModel, state: AnnotateState) -> None:
    """The dock's Prediction row: the overlay's own toggle and the view model's opacity. With a
    project open the prediction starts as a lighter fill, so a correction painted over it shows."""
    row.shown.connect(overlay.setVisible)
    row.opacity_changed.connect(lambda v: setattr(vm, "opacity", v))
    vm.events.opacity.connect(row.set_opacity)
    row.set_opacity(vm.opacity)
    state.events.project.connect(lambda project: setattr(vm, "opacity", min(vm.opacity, PREDICTION_OPACITY))
                                 if project is not None else None)
