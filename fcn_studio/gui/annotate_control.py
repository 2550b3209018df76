"""The annotate mode in the window: projects, painting on the image view, saving, the class editor.

`AnnotateControl` owns the Qt-free `AnnotateState`, puts the annotation layer and the paint tool
on the image view, binds the Annotate dock, and turns what the user does into project calls:
File ▸ New / Open annotation project…, "Make a model for your own images" (a new project from
the open photos), strokes (each saved on Lane.SAVE right after it ends: atomic, off the GUI
thread), undo/redo, accepting the prediction, the held-out flag. Problems (a read-only or
corrupt mask, a full disk, a class in use) are one-line messages naming the file; the annotation
stays in memory and the next edit saves it again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QInputDialog, QMessageBox, QWidget

from ..app.annotate.jobs import SaveMaskJob
from ..app.annotate.project import AnnotationProject
from ..boxes import Box
from ..app.annotate.training import BEST, ROUNDS_DIR
from ..app.annotate.workspace import AnnotateState, model_label_set, new_label_set
from ..app.view_model import ViewModel
from ..errors import FileProblem, MaskProblem
from .annotate_panel import AnnotatePanel
from .annotation_layer import AnnotationLayer
from .class_editor import ClassEditor
from .error_dialog import ErrorDialog
from .image_view import ImageView
from .model_file import add_model_file
from .paint_tool import PaintTool
from .worker import JobRunner

log = logging.getLogger(__name__)

MODEL_CLASSES = "the current model's classes"
NEW_CLASSES = "a new label set…"


def _ask_folder(parent: QWidget, title: str) -> str:
    return QFileDialog.getExistingDirectory(parent, title)


class AnnotateControl(QObject):
    """Annotating in the window; `dock` holds `panel`. The prompts (`ask_folder`, `ask_label_set`,
    `confirm`) are attributes so tests can answer them."""

    def __init__(self, vm: ViewModel, runner: JobRunner, errors: ErrorDialog, view: ImageView, panel: AnnotatePanel,
                 dock: QDockWidget, open_paths: Callable[[list], None]):
        super().__init__(dock)
        self.vm, self.runner, self.errors, self.view = vm, runner, errors, view
        self.panel, self.dock, self.open_paths = panel, dock, open_paths
        self.state = state = AnnotateState()
        self.layer = AnnotationLayer()
        view.pane.view.addItem(self.layer, ignoreBounds=True)
        self.tool = PaintTool(state, view.pane.view, self.layer, self.ensure_annotation, self._regions)
        view.tool = self.tool
        self.ask_folder: Callable[[QWidget, str], str] = _ask_folder
        self.ask_label_set: Callable[[], object] = self._ask_label_set
        self.confirm: Callable[[str, str], bool] = self._confirm
        self.editor: ClassEditor | None = None
        self.saves = 0  # masks written (tests wait for it)
        self._reported: dict[str, str] = {}  # image → the save problem already shown for it

        panel.bind(state)
        panel.classes_requested.connect(self.edit_classes)
        panel.accept_requested.connect(self.accept_prediction)
        panel.held_out_changed.connect(self.set_held_out)
        panel.new_project_requested.connect(self.make_model)
        self.tool.committed.connect(self.committed)
        self.tool.message.connect(panel.status.setText)
        state.events.annotation.connect(lambda ann: self.layer.set_annotation(ann, state.palette))
        state.events.classes.connect(lambda: self.layer.set_palette(state.palette))
        state.events.visible.connect(lambda on: self.layer.setVisible(on))
        state.events.opacity.connect(lambda v: self.layer.setOpacity(v))
        self.layer.setOpacity(state.opacity)
        vm.events.image.connect(self.show_image)

    # ----- projects ----------------------------------------------------------------------------
    def show(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def new_project_dialog(self, from_open_images: bool = False) -> AnnotationProject | None:
        """File ▸ New annotation project…: an empty folder, then the label set."""
        folder = self.ask_folder(self.dock, "New annotation project: choose an empty folder")
        if not folder:
            return None
        classes = self.ask_label_set()
        if classes is None:
            return None
        return self.create_project(folder, classes, from_open_images)

    def make_model(self) -> AnnotationProject | None:
        """"Make a model for your own images": a new project holding the open images."""
        self.show()
        return self.new_project_dialog(from_open_images=True)

    def create_project(self, folder: str | Path, classes, from_open_images: bool = False) -> AnnotationProject | None:
        try:
            project = AnnotationProject.create(folder, classes)
        except (FileProblem, OSError, ValueError) as exc:
            self.errors.report(str(exc), "Choose an empty folder for a new project, or open the existing one.")
            return None
        self._use(project)
        if from_open_images:
            skipped = []
            for image in list(self.vm.session.images):
                if image.path is None:
                    skipped.append(image.name)
                    continue
                try:
                    self.state.add(image)
                except FileProblem as exc:
                    self.errors.report(str(exc))
            if skipped:
                self.panel.status.setText(f"not added (no file; save them first): {', '.join(skipped)}")
            self.show_image(self.vm.image)
            self.state.tool = "brush"
        self.panel.show_project()
        return project

    def open_project_dialog(self) -> AnnotationProject | None:
        folder = self.ask_folder(self.dock, "Open an annotation project folder")
        return self.open_project(folder) if folder else None

    def open_project(self, folder: str | Path) -> AnnotationProject | None:
        """Open a project and its images; masks that cannot be used are listed, not dropped."""
        try:
            project = AnnotationProject.open(folder)
        except (FileProblem, OSError) as exc:
            self.errors.report(str(exc), "An annotation project has images/, masks/ and classes.json.")
            return None
        self._use(project)
        for best in sorted(project.root.glob(f"{ROUNDS_DIR}/*/{BEST}")):  # each round's model, back in the picker
            add_model_file(self.vm, best, self.errors)
        for problem in project.check():
            self.errors.report(str(problem), "The mask is left as it is; painting on that image offers to set it aside.")
        if project.names:
            self.open_paths([str(project.image_path(n)) for n in project.names])
        return project

    def _use(self, project: AnnotationProject) -> None:
        self.state.open_project(project)
        self._reported.clear()
        self.show()
        self.show_image(self.vm.image)

    # ----- the shown image ---------------------------------------------------------------------
    def show_image(self, image) -> None:
        if self.state.project is None:
            return
        self.tool.cancel()
        try:
            self.state.show(image)
        except MaskProblem as exc:
            self._broken(exc)

    def _broken(self, problem: MaskProblem) -> None:
        """A mask that cannot be read: say so, paint nothing over it, offer to set it aside."""
        name = self.state.name
        self.panel.status.setText(f"not painting on {name}: its mask cannot be used")
        if self.confirm("A mask cannot be used", f"{problem}\n\nSet it aside (kept as {Path(problem.path).name}.broken) "
                        "and start this image afresh?"):
            self.state.project.set_aside(name)
            self.state.show(self.vm.image)
        else:
            self.errors.report(str(problem), "Nothing was changed; painting on this image is off until the mask is fixed.")

    def ensure_annotation(self):
        """The shown image's annotation, adding the image to the project first if it is not in it."""
        state, image = self.state, self.vm.image
        if state.annotation is not None or state.project is None or image is None:
            return state.annotation
        if state.name is not None:  # in the project, but its mask was refused
            self.panel.status.setText(f"not painting on {state.name}: its mask cannot be used")
            return None
        if image.path is None:
            self.panel.status.setText("a pasted image has no file to add to the project; save it first")
            return None
        try:
            state.add(image)
        except FileProblem as exc:
            self.errors.report(str(exc))
            return None
        self.show_image(image)
        self.panel.show_project()
        return state.annotation

    def _regions(self) -> np.ndarray | None:
        pred = self.vm.prediction()
        return pred.labels if pred is not None else None

    # ----- edits -------------------------------------------------------------------------------
    def committed(self, box: Box) -> None:
        """An edit ended: redraw its box and save the mask in the background."""
        self.layer.redraw(box)
        self.panel.show_image()
        if self.state.name is not None:
            self.save(self.state.name)

    def save(self, name: str) -> None:
        project = self.state.project
        self.runner.submit(SaveMaskJob(project, name), returned=lambda path: self._saved(name, path),
                           errored=lambda problem: self._save_failed(name, problem))

    def _saved(self, name: str, path: Path | None) -> None:
        if path is None:
            return
        self.saves += 1
        if self._reported.pop(name, None) is not None:
            self.panel.status.setText(f"{name}: saved again ({path})")
        self.panel.show_project()

    def _save_failed(self, name: str, problem: Exception) -> None:
        message = str(problem)
        self.panel.status.setText(f"not saved: {message}")
        if self._reported.get(name) != message:  # one dialog per problem, not one per stroke
            self._reported[name] = message
            self.errors.report(problem, "Nothing is lost: the annotation stays in memory and every edit tries again.")

    def undo(self) -> None:
        self._history(self.state.annotation.undo if self.state.annotation is not None else None)

    def redo(self) -> None:
        self._history(self.state.annotation.redo if self.state.annotation is not None else None)

    def _history(self, step: Callable[[], Box | None] | None) -> None:
        if step is None:
            return
        self.tool.cancel()
        box = step()
        if box is None:
            self.panel.status.setText("nothing to undo" if step.__name__ == "undo" else "nothing to redo")
        elif not box.empty:
            self.committed(box)

    def accept_prediction(self) -> None:
        """Copy the shown prediction (its classes matched to the project's by name) into the
        unlabelled pixels, where its score passes the threshold."""
        pred, ann = self.vm.prediction(), self.ensure_annotation()
        if ann is None:
            return
        if pred is None or pred.labels.shape != ann.shape:
            self.panel.status.setText("no prediction for this image yet: wait until it is segmented")
            return
        labels, scores = self.state.accepted_labels(pred.labels, self.vm.class_names, pred.scores)
        box = ann.accept(labels, scores, self.state.threshold, only_unlabelled=True) if scores is not None \
            else ann.accept(labels, only_unlabelled=True)
        if box.empty:
            self.panel.status.setText("accepting the prediction changed nothing (no class of it is in the label set, "
                                      "or every pixel is painted already)")
        self.committed(box)

    def set_held_out(self, keep: bool) -> None:
        state = self.state
        if state.project is None or state.name is None:
            return
        try:
            state.project.set_held_out(state.name, keep)
        except FileProblem as exc:
            self.errors.report(str(exc))
        self.panel.show_project()

    def take_digits(self, window: QWidget, heads: dict[str, QAction]) -> list[QAction]:
        """While a paint tool is chosen, 1–9 and 0 pick the class wherever the focus is (the head
        switch keeps its menu and toolbar entries; its keys come back with the Pan tool)."""
        keys = {act: act.shortcut() for act in heads.values()}
        picks = []
        for k in range(10):
            act = QAction(f"Class {k + 1}", window)
            act.setShortcut(QKeySequence(str((k + 1) % 10)))
            act.triggered.connect(lambda _=False, k=k: setattr(self.state, "label", k))
            window.addAction(act)
            picks.append(act)

        def follow(*_: object) -> None:
            painting = self.state.painting and self.state.project is not None
            for act, key in keys.items():
                act.setShortcut(QKeySequence() if painting else key)
            for act in picks:
                act.setEnabled(painting)

        self.state.events.tool.connect(follow)
        self.state.events.project.connect(follow)
        follow()
        return picks

    # ----- the label set -----------------------------------------------------------------------
    def pick_class(self, row: int) -> None:
        """A legend row clicked: its class (by name) becomes the brush's, when the project has it."""
        names, own = self.vm.class_names, self.state.class_names
        if self.state.project is not None and 0 <= row < len(names) and names[row] in own:
            self.state.label = own.index(names[row])

    def edit_classes(self) -> ClassEditor | None:
        if self.state.project is None:
            self.errors.report("no annotation project is open: File ▸ New annotation project… first")
            return None
        self.editor = ClassEditor(self.state.project, self.dock.parentWidget())
        self.editor.changed.connect(self.classes_edited)
        self.editor.show()
        return self.editor

    def classes_edited(self) -> None:
        self.state.classes_changed()
        self.layer.set_palette(self.state.palette)
        self.panel.show_image()

    def may_close(self) -> bool:
        """Closing with annotations that could not be saved asks first (they live only in memory)."""
        project = self.state.project
        if project is None:
            return True
        unsaved = dict(project.unsaved)
        for name in project.names:
            if not project.is_saved(name) and name not in unsaved:
                try:  # a save still to come, or one that was dropped: write it now
                    project.save(name)
                except FileProblem as exc:
                    unsaved[name] = exc
        if not unsaved:
            return True
        first = next(iter(unsaved.values()))
        return self.confirm("Annotations not saved", f"{len(unsaved)} image(s) could not be saved: {first}\n\n"
                            "Close anyway and lose those strokes?")

    # ----- prompts -----------------------------------------------------------------------------
    def _ask_label_set(self):
        parent = self.dock.parentWidget()
        names = self.vm.class_names
        shown = ", ".join(names[:4]) + (f", … ({len(names)} classes)" if len(names) > 4 else "")
        choices = ([f"{MODEL_CLASSES}: {shown}"] if names else []) + [NEW_CLASSES]
        choice, ok = QInputDialog.getItem(parent, "Label set", "Annotate with", choices, 0, False)
        if not ok:
            return None
        if choice.startswith(MODEL_CLASSES):
            return model_label_set(names, self.vm.palette)
        text, ok = QInputDialog.getText(parent, "A new label set", "Class names, comma-separated:", text="background, object")
        if not ok:
            return None
        try:
            return new_label_set(text.split(","))
        except ValueError as exc:
            self.errors.report(str(exc))
            return None

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.dock.parentWidget(), title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def hover_text(self, x: int, y: int) -> str:
        return self.state.hover_text(x, y) if self.state.visible else ""
