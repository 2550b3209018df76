"""The annotate mode in the window: the dialogs and the wiring around the Qt-free `AnnotationSession`.

`AnnotateControl` puts the annotation layer and the paint tool on the image view, binds the
Annotate dock to the session's `AnnotateState`, asks the user (folders, label sets, questions)
and runs what the session hands it: File ▸ New / Open annotation project…, "Make a model for
your own images", undo/redo, accepting the prediction, the held-out flag. Every committed edit
comes back as the session's `edited(name, box)`: the layer redraws that box once and the mask is
saved by a `SaveMaskJob` on Lane.SAVE (atomic, off the GUI thread). Problems (a read-only or
corrupt mask, a full disk, a class in use) are one-line messages naming the file; the annotation
stays in memory and the next edit saves it again. What to do is the session's; nothing here
keeps workflow state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QInputDialog, QMessageBox, QWidget

from ..app.annotate.annotation import Annotation
from ..app.annotate.project import AnnotationProject
from ..app.annotate.session import NO_PROJECT, AnnotationSession, Outcome, Outside, Refused
from ..app.annotate.workspace import class_key, model_label_set, new_label_set
from ..boxes import Box
from ..app.view_model import ViewModel
from ..errors import FileProblem, MaskProblem
from .annotate_panel import AnnotatePanel
from .annotation_layer import AnnotationLayer
from .class_editor import ClassEditor
from .error_dialog import ErrorDialog
from .folder_dialog import ask_output_folder
from .image_list import ImageList
from .image_view import ImageView
from .project_images import ProjectImages
from .join_images_dialog import ask_images
from .layer_row import bind_prediction
from .model_file import add_model_file
from .paint_tool import PaintTool
from .worker import JobRunner

MODEL_CLASSES = "the current model's classes"
NEW_CLASSES = "a new label set…"


def _ask_existing_folder(parent: QWidget, title: str) -> str:
    return QFileDialog.getExistingDirectory(parent, title)


class AnnotateControl(QObject):
    """Annotating in the window; `dock` holds `panel`. The prompts (`ask_folder`, `ask_existing_folder`,
    `ask_label_set`, `ask_images`, `confirm`) are attributes so tests can answer them."""

    def __init__(self, vm: ViewModel, runner: JobRunner, errors: ErrorDialog, view: ImageView, panel: AnnotatePanel,
                 dock: QDockWidget, open_paths: Callable[[list], None]):
        super().__init__(dock)
        self.vm, self.runner, self.errors, self.view = vm, runner, errors, view
        self.panel, self.dock, self.open_paths = panel, dock, open_paths
        self.session = AnnotationSession()
        self.state = state = self.session.state
        self.layer = AnnotationLayer()
        view.pane.view.addItem(self.layer, ignoreBounds=True)
        self.tool = PaintTool(state, view.pane.view, self.layer, self.ensure_annotation, self._regions)
        view.tool = self.tool
        self.ask_folder: Callable[[QWidget, str], str] = ask_output_folder  # a new project's: a typed new folder is made
        self.ask_existing_folder: Callable[[QWidget, str], str] = _ask_existing_folder
        self.ask_label_set: Callable[[], object] = self._ask_label_set
        self.confirm: Callable[[str, str], bool] = self._confirm
        self.ask_images: Callable[[QWidget, list, object], list | None] = ask_images
        self.editor: ClassEditor | None = None

        panel.bind(state)
        panel.classes_requested.connect(self.edit_classes)
        panel.accept_requested.connect(self.accept_prediction)
        panel.held_out_changed.connect(self.set_held_out)
        panel.fully_painted_changed.connect(self.set_fully_painted)
        panel.new_project_requested.connect(self.make_model)
        self.tool.committed.connect(self.session.commit)
        self.tool.message.connect(panel.status.setText)
        self.session.events.edited.connect(self._edited)
        state.events.annotation.connect(lambda ann: self.layer.set_annotation(ann, state.palette))
        state.events.classes.connect(lambda: self.layer.set_palette(state.palette))
        state.events.visible.connect(lambda on: self.layer.setVisible(on))
        state.events.opacity.connect(lambda v: self.layer.setOpacity(v))
        self.layer.setOpacity(state.opacity)
        vm.events.image.connect(self.show_image)
        bind_prediction(panel.prediction, view.pane.overlay, vm, state)

    # ----- projects ----------------------------------------------------------------------------
    def show(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def new_project_dialog(self) -> AnnotationProject | None:
        """File ▸ New annotation project…: an empty folder, the label set, then which open images join."""
        folder = self.ask_folder(self.dock, "New annotation project: choose an empty folder")
        if not folder:
            return None
        classes = self.ask_label_set()
        if classes is None:
            return None
        images = self.ask_images(self.dock.parentWidget(), list(self.vm.session.images), self.vm.image)
        if images is None:
            return None
        return self.create_project(folder, classes, images)

    def make_model(self) -> AnnotationProject | None:
        """"Make a model for your own images": a new project holding the open images the user picks."""
        self.show()
        return self.new_project_dialog()

    def create_project(self, folder: str | Path, classes, images: list | tuple = ()) -> AnnotationProject | None:
        """A new project in `folder` holding `images` (the open images the user chose)."""
        try:
            project = self.session.create(folder, classes)
        except (FileProblem, OSError, ValueError) as exc:
            self.errors.report(exc, "Choose an empty folder for a new project, or open the existing one.")
            return None
        self._shown()
        if images:
            added = self.session.add_images(images)
            for problem in added.problems:
                self.errors.report(problem)
            if added.skipped:
                self.panel.status.setText(added.skipped_text)
            self.show_image(self.vm.image)
        self.panel.show_project()
        return project

    def open_project_dialog(self) -> AnnotationProject | None:
        folder = self.ask_existing_folder(self.dock, "Open an annotation project folder")
        return self.open_project(folder) if folder else None

    def open_project(self, folder: str | Path) -> AnnotationProject | None:
        """Open a project, its rounds' models and its images; masks that cannot be used are listed."""
        try:
            opened = self.session.open(folder)
        except (FileProblem, OSError) as exc:
            self.errors.report(exc, "An annotation project has images/, masks/ and classes.json.")
            return None
        self._shown()
        self.restore_rounds(opened.models)
        for problem in opened.problems:
            self.errors.report(problem, "The mask is left as it is; painting on that image offers to set it aside.")
        if opened.images:
            self.open_paths([str(path) for path in opened.images])
        return opened.project

    def restore_rounds(self, models: list[Path]) -> None:
        """Each round's model back in the picker under its name; the latest is shown, so the next
        "Train on my annotations" starts from it unless the user picks another."""
        entries = [entry for entry in (add_model_file(self.vm, model, self.errors) for model in models) if entry is not None]
        if entries:
            self.vm.model = entries[-1]

    # ----- the image list ------------------------------------------------------------------------
    def bind_image_list(self, images: ImageList) -> ProjectImages:
        """The image list says what the project knows of each image and takes images out of it."""
        return ProjectImages(self.vm, self.session, images, self.remove_image)

    def remove_image(self, image) -> Path | None:
        """Take `image` out of the project (its files move to the project's removed/ folder)."""
        name = self.session.name_of(image)
        if name is None:
            return None
        if not self.confirm("Remove from the project?", f"{name} leaves the project: its image and mask move to "
                            f"{self.state.project.root / 'removed'} (nothing is deleted)."):
            return None
        self.tool.cancel()
        try:
            kept = self.session.remove(name)
        except FileProblem as exc:
            self.errors.report(exc)
            return None
        self.panel.status.setText(f"{name} removed from the project (kept in {kept})")
        self.panel.show_project()
        self.show_image(self.vm.image)
        return kept

    def _shown(self) -> None:
        self.show()
        self.show_image(self.vm.image)

    # ----- the shown image ---------------------------------------------------------------------
    def show_image(self, image) -> None:
        if self.state.project is None:
            return
        self.tool.cancel()
        try:
            self.session.show(image)
        except MaskProblem as exc:
            self._broken(exc)

    def _broken(self, problem: MaskProblem) -> None:
        """A mask that cannot be read: say so, paint nothing over it, offer to set it aside."""
        self.panel.status.setText(f"not painting on {self.state.name}: its mask cannot be used")
        if self.confirm("A mask cannot be used", f"{problem}\n\nSet it aside (kept as {Path(problem.path).name}.broken) "
                        "and start this image afresh?"):
            self.session.set_aside(self.vm.image)
        else:
            self.errors.report(problem, "Nothing was changed; painting on this image is off until the mask is fixed.")

    def ensure_annotation(self) -> Annotation | None:
        """The shown image's annotation, adding the image to the project first if it is not in it."""
        if self.state.annotation is not None or self.state.project is None:
            return self.state.annotation
        try:
            return self._annotation_for_shown()
        except Refused as exc:
            self.panel.status.setText(str(exc))
        except FileProblem as exc:
            self.errors.report(exc)
        return None

    def _annotation_for_shown(self) -> Annotation:
        self.tool.cancel()
        try:
            ann = self.session.annotation_for(self.vm.image)
        except Outside as outside:
            if not self.may_add(outside):
                raise Refused(f"not painting: {self.vm.image.name} is not in the project") from None
            ann = self.session.annotation_for(self.vm.image, add=True)
        self.panel.show_project()
        return ann

    def may_add(self, outside: Outside) -> bool:
        """Ask before an image outside the project joins it (a stray click must not put a test
        photo into training)."""
        return self.confirm("Add this image to the project?", f"{outside}\n\nAdd it?")

    def _regions(self) -> np.ndarray | None:
        pred = self.vm.prediction()
        return pred.labels if pred is not None else None

    # ----- edits -------------------------------------------------------------------------------
    def _edited(self, name: str, box: Box) -> None:
        """An edit was committed: redraw its box (once) and save the mask in the background."""
        self.layer.redraw(box)
        self.panel.show_image()
        self.runner.submit(self.session.save_job(name), returned=lambda path: self._saved(name, path),
                           errored=lambda problem: self._save_failed(name, problem))

    def _saved(self, name: str, path: Path | None) -> None:
        message = self.session.saved(name, path)
        if message:
            self.panel.status.setText(message)
        if path is not None:
            self.panel.show_project()

    def _save_failed(self, name: str, problem: Exception) -> None:
        self.panel.status.setText(f"not saved: {problem}")
        if self.session.save_failed(name, problem):
            self.errors.report(problem, "Nothing is lost: the annotation stays in memory and every edit tries again.")

    def undo(self) -> None:
        self.tool.cancel()
        self._say(self.session.undo())

    def redo(self) -> None:
        self.tool.cancel()
        self._say(self.session.redo())

    def _say(self, outcome: Outcome) -> None:
        if outcome.message:
            self.panel.status.setText(outcome.message)

    def accept_prediction(self) -> None:
        """Copy the shown prediction into the unlabelled pixels (the session's rules)."""
        pred = self.vm.prediction() if self.state.project is not None else None
        try:
            try:
                outcome = self.session.accept(self.vm.image, pred, self.vm.class_names)
            except Outside as outside:
                if not self.may_add(outside):
                    return
                outcome = self.session.accept(self.vm.image, pred, self.vm.class_names, add=True)
            self._say(outcome)
        except Refused as exc:
            self.panel.status.setText(str(exc))
        except FileProblem as exc:
            self.errors.report(exc)
        self.panel.show_project()

    def set_held_out(self, keep: bool) -> None:
        try:
            self.session.set_held_out(keep)
        except FileProblem as exc:
            self.errors.report(exc)
        self.panel.show_project()

    def set_fully_painted(self, fully: bool) -> None:
        """The shown image is painted completely: as a test image its score needs no caveat."""
        try:
            self.session.set_fully_painted(fully)
        except FileProblem as exc:
            self.errors.report(exc)

    def take_digits(self, window: QWidget, heads: dict[str, QAction]) -> list[QAction]:
        """While a paint tool is chosen, 1–9 and 0 pick the class wherever the focus is (the head
        switch keeps its menu and toolbar entries; its keys come back with the Pan tool). These
        actions are the only home of the digit keys: the paint tool leaves them to the window."""
        keys = {act: act.shortcut() for act in heads.values()}
        picks = []
        for k in range(10):
            act = QAction(f"Class {k + 1}", window)
            act.setShortcut(QKeySequence(class_key(k)))
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
        self.session.pick_class(row, self.vm.class_names)

    def edit_classes(self) -> ClassEditor | None:
        if self.state.project is None:
            self.errors.report(NO_PROJECT)
            return None
        self.editor = ClassEditor(self.state.project, self.dock.parentWidget())
        self.editor.changed.connect(self.classes_edited)
        self.editor.show()
        return self.editor

    def classes_edited(self) -> None:
        self.session.classes_edited()
        self.layer.set_palette(self.state.palette)
        self.panel.show_image()

    def may_close(self) -> bool:
        """Closing with annotations that could not be saved asks first (they live only in memory)."""
        unsaved = self.session.unsaved_on_close()
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
            return new_label_set(text.split(","), avoid=self.vm.palette)  # never the shown model's colours
        except ValueError as exc:
            self.errors.report(exc)
            return None

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.dock.parentWidget(), title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def hover_text(self, x: int, y: int) -> str:
        return self.state.hover_text(x, y) if self.state.visible else ""
