"""File ▸ Import weights…: which file, which architecture, what to call the converted model and where.

A GUI for `fcn-studio import-weights`: pytorch-fcn .pth and the reference Caffe .caffemodel files
become .safetensors models in the shipped models' folder or the user's own, so the model picker
offers them (nets trained on real photos, unlike the shipped synthetic-scene models).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ..app.catalog import display_arch
from ..app.import_job import IMPORT_ARCHES, IMPORT_FILTER, model_folders

AUTO = "detect from the file"


class ImportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Import weights")
        self.source = QLineEdit()
        self.source.setPlaceholderText("a pytorch-fcn .pth or a Caffe .caffemodel")
        self.arch = QComboBox()
        self.arch.addItem(AUTO, None)
        for name in IMPORT_ARCHES:
            self.arch.addItem(display_arch(name), name)
        self.arch.setToolTip("pytorch-fcn files cannot tell FCN-8s at once from FCN-8s unless their name says 'atonce'")
        self.name = QLineEdit()
        self.name.setPlaceholderText("the source's name")
        self.folder = QComboBox()
        self.folder.setEditable(True)
        self.folder.addItems([str(f) for f in model_folders()])
        self.hint = QLabel("Nothing is downloaded: bring the file. The converted model is added to the model picker.")
        self.hint.setWordWrap(True)
        form = QFormLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        browse = QPushButton("…")
        browse.setFixedWidth(28)
        browse.clicked.connect(self.browse)
        row.addWidget(browse)
        form.addRow("Weights file", row)
        form.addRow("Architecture", self.arch)
        form.addRow("Save as", self.name)
        form.addRow("In folder", self.folder)
        form.addRow(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.source.textChanged.connect(self._source_changed)
        self._source_changed("")
        self.resize(560, self.sizeHint().height())

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Weights to import", self.source.text(), IMPORT_FILTER)
        if path:
            self.source.setText(path)

    def chosen(self) -> tuple[Path, str | None, Path]:
        """(source file, architecture or None to detect it, the .safetensors file to write)."""
        src = Path(self.source.text().strip()).expanduser()
        name = self.name.text().strip() or src.stem
        if not name.endswith(".safetensors"):
            name += ".safetensors"
        return src, self.arch.currentData(), Path(self.folder.currentText().strip()).expanduser() / name

    def _source_changed(self, text: str) -> None:
        self.name.setPlaceholderText(Path(text.strip()).stem or "the source's name")
        self.import_button.setEnabled(bool(text.strip()))
