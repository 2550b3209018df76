"""The class editor: add, rename, recolour and delete the project's classes (classes.json).

Every change goes through `AnnotationProject` (which checks names and rewrites masks atomically)
and is announced by `changed`, so the dock, the layer and the legend follow. Deleting a class the
masks use asks first and says how many pixels in how many images become unlabelled. The three
prompts are attributes (`ask_name`, `pick_colour`, `confirm`) so a test can answer them.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QColorDialog, QDialog, QDialogButtonBox, QHBoxLayout, QInputDialog, QLabel, QListWidget,
                               QListWidgetItem, QMessageBox, QPushButton, QVBoxLayout, QWidget)

from ..app.annotate.class_edits import unused_colour
from ..app.annotate.project import AnnotationProject
from ..app.annotate.workspace import class_key, usage_text
from ..errors import FileProblem
from .annotate_panel import swatch


def _ask_name(parent: QWidget, title: str, text: str) -> str | None:
    value, ok = QInputDialog.getText(parent, title, "Class name:", text=text)
    return value if ok else None


def _pick_colour(parent: QWidget, colour: tuple[int, int, int]) -> tuple[int, int, int] | None:
    chosen = QColorDialog.getColor(QColor(*colour), parent, "Class colour")
    return (chosen.red(), chosen.green(), chosen.blue()) if chosen.isValid() else None


def _confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


class ClassEditor(QDialog):
    changed = Signal()  # the label set was edited and saved

    def __init__(self, project: AnnotationProject, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Classes of the annotation project")
        self.project = project
        self.ask_name: Callable[[QWidget, str, str], str | None] = _ask_name
        self.pick_colour: Callable[[QWidget, tuple[int, int, int]], tuple[int, int, int] | None] = _pick_colour
        self.confirm: Callable[[QWidget, str, str], bool] = _confirm
        self.list = QListWidget()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for text, slot in (("Add…", self.add), ("Rename…", self.rename), ("Colour…", self.recolour),
                           ("Delete", self.delete)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Label set of {project.root.name} (saved in classes.json; 255 stays unlabelled)"))
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self.fill()

    def fill(self) -> None:
        row = max(self.list.currentRow(), 0)
        self.list.clear()
        classes = self.project.classes
        for k, (name, colour) in enumerate(zip(classes.names, classes.palette)):
            key = f" · key {class_key(k)}" if class_key(k) else ""
            self.list.addItem(QListWidgetItem(swatch(colour), f"{name}    (label {k}{key})"))
        self.list.setCurrentRow(min(row, self.list.count() - 1))

    def selected(self) -> str | None:
        row = self.list.currentRow()
        return self.project.classes.names[row] if 0 <= row < len(self.project.classes.names) else None

    def add(self) -> None:
        name = self.ask_name(self, "Add a class", "")
        if name is not None:
            self._edit(lambda: self.project.add_class(name, unused_colour(self.project.classes)), f"added {name!r}")
            self.list.setCurrentRow(self.list.count() - 1)

    def rename(self) -> None:
        old = self.selected()
        new = self.ask_name(self, "Rename the class", old) if old else None
        if new is not None:
            self._edit(lambda: self.project.rename_class(old, new), f"renamed {old!r} to {new.strip()!r}")

    def recolour(self) -> None:
        name = self.selected()
        if name is None:
            return
        current = tuple(int(c) for c in self.project.classes.palette[self.list.currentRow()])
        colour = self.pick_colour(self, current)
        if colour is not None:
            self._edit(lambda: self.project.recolour_class(name, colour), f"new colour for {name!r}")

    def delete(self) -> None:
        name = self.selected()
        if name is None:
            return
        usage = self.project.class_usage(name)
        if usage and not self.confirm(self, "Delete a class in use", f"Class {name!r} is painted on {usage_text(usage)}. "
                                      "Delete it and make those pixels unlabelled?"):
            self.message.setText(f"kept {name!r}")
            return
        self._edit(lambda: self.project.delete_class(name, unlabel=bool(usage)),
                   f"deleted {name!r}" + (f"; {usage_text(usage)} are unlabelled now" if usage else ""))

    def _edit(self, edit: Callable[[], object], done: str) -> None:
        try:
            edit()
        except (FileProblem, ValueError, KeyError) as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(done)
        self.fill()
        self.changed.emit()
