"""Results of Run ▸ Evaluate: the paper's four metrics, then IU per class over the whole image,
near true boundaries and in the interior (non-modal; the window stays usable)."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

METRICS = (("pixel_acc", "pixel accuracy"), ("mean_acc", "mean accuracy"), ("mean_iu", "mean IU"), ("fwiu", "f.w. IU"))
COLUMNS = ("class", "IU", "boundary IU", "interior IU")


def fmt(value) -> str:
    return "–" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.4f}"


class EvalDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("fcn-studio: evaluation")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.values = {key: QLabel("–") for key, _ in METRICS}
        form = QFormLayout()
        for key, label in METRICS:
            form.addRow(label, self.values[key])
        self.band = QLabel()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.band)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(520, 460)

    def show_metrics(self, model: str, data: str, split: str, metrics: dict) -> None:
        self.heading.setText(f"<b>{Path(model).name}</b> on {data} ({split}, {metrics.get('images', '?')} images)")
        for key, _ in METRICS:
            self.values[key].setText(fmt(metrics.get(key)))
        edge, inner = metrics.get("boundary", {}), metrics.get("interior", {})
        self.band.setText(f"within {metrics.get('band_px', '?')} px of a boundary: mean IU {fmt(edge.get('mean_iu'))}"
                          f" · interior: mean IU {fmt(inner.get('mean_iu'))}")
        names = metrics.get("class_names") or [str(i) for i in range(len(metrics.get("iu", [])))]
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            cells = [name] + [fmt(m.get("iu", [None] * len(names))[row]) for m in (metrics, edge, inner)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        self.resize(520, min(300 + 30 * len(names), 760))
        self.show()
        self.raise_()
