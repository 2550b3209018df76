"""Menus, toolbar and keyboard shortcuts of the main window, declared in one table-like place.

The view choices (head, upsampling, compare, skip changes, model, device) set the view model's
fields and follow them (`Actions.bind`); everything else calls a `Commands` method, so this module
needs neither the window class nor its collaborators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QMenu, QToolBar

from ..app.catalog import HEADS
from ..app.device_choice import available_devices
from ..app import view_sentences as sentences
from ..app.view_model import ViewModel
from ..app.view_state import STITCH_FACTORS


class Commands(Protocol):
    """What the menus ask the window to do beyond changing the view."""

    def open_dialog(self) -> None: ...
    def open_folder_dialog(self) -> None: ...
    def paste(self) -> None: ...
    def export_labels(self) -> object: ...
    def export_overlay(self) -> object: ...
    def fit(self) -> None: ...
    def zoom(self, factor: float) -> None: ...
    def step_image(self, step: int) -> None: ...
    def open_model_dialog(self) -> None: ...
    def import_weights(self) -> None: ...
    def get_models(self) -> None: ...
    def make_model(self) -> None: ...
    def run_batch(self) -> None: ...
    def cancel_batch(self) -> None: ...
    def show_training(self) -> None: ...
    def evaluate(self) -> None: ...
    def show_help(self, tab: str) -> None: ...
    def new_annotation_project(self) -> None: ...
    def open_annotation_project(self) -> None: ...
    def undo_edit(self) -> None: ...
    def redo_edit(self) -> None: ...
    def brush_size(self, step: int) -> None: ...
    def edit_classes(self) -> None: ...
    def train_on_annotations(self) -> None: ...
    def next_uncertain(self) -> None: ...


@dataclass
class Actions:
    recent_menu: QMenu
    view_menu: QMenu
    model_combo: QComboBox
    device_combo: QComboBox
    heads: dict[str, QAction]
    compare: QAction
    changes: QAction
    stitch: dict[int, QAction]
    background: QAction
    import_action: QAction  # File ▸ Import weights…
    # "Make a model for your own images": calls Commands.make_model, which the window turns into its
    # `make_model_requested` signal; the annotation workflow (issue #18) connects to that signal.
    make_model_action: QAction

    def bind(self, vm: ViewModel) -> None:
        """Make the view choices edit `vm` and show its state, whoever changed it."""
        catalog = vm.session.catalog
        self.model_combo.activated.connect(lambda i: setattr(vm, "model", catalog.entries[i]) if catalog.entries else None)
        self.device_combo.addItems(available_devices())
        self.device_combo.textActivated.connect(lambda device: setattr(vm, "device", device))
        vm.events.device.connect(lambda device: self.device_combo.setCurrentText(device))
        vm.events.compare.connect(lambda on: self.compare.setChecked(on))
        vm.events.changes.connect(lambda on: self.changes.setChecked(on))
        vm.events.show_background.connect(lambda on: self.background.setChecked(on))
        self.background.setChecked(vm.show_background)
        vm.events.catalog.connect(lambda: self.fill_models(vm))
        for signal in (vm.events.model, vm.events.head, vm.events.stitch, vm.events.catalog, vm.events.compare,
                       vm.events.changes):
            signal.connect(lambda *_: self.sync(vm))
        self.fill_models(vm)
        self.device_combo.setCurrentText(vm.device)
        self.sync(vm)

    def fill_models(self, vm: ViewModel) -> None:
        entries = vm.session.catalog.entries
        self.model_combo.clear()
        self.model_combo.addItems([e.label for e in entries] or ["no model: Model ▸ Open…"])
        for row, entry in enumerate(entries):
            self.model_combo.setItemData(row, entry.tooltip, Qt.ItemDataRole.ToolTipRole)
        self.model_combo.setEnabled(bool(entries))

    def sync(self, vm: ViewModel) -> None:
        family = vm.family
        for head, act in self.heads.items():
            act.setEnabled(head in family)
            act.setChecked(head == vm.head and head in family)
        for factor, act in self.stitch.items():
            act.setChecked(factor == vm.stitch)
        # The coarsest head has no skips: in the single view there is nothing to show, and it says why
        # (still enabled while on, so it can be turned off).
        no_skips = not vm.compare and vm.head == HEADS[0]
        self.changes.setEnabled(not no_skips or vm.changes)
        self.changes.setToolTip(sentences.skip_note(vm, HEADS[0]) if no_skips else CHANGES_TIP)
        entries = vm.session.catalog.entries
        if vm.entry in entries:
            self.model_combo.setCurrentIndex(entries.index(vm.entry))


CHANGES_TIP = "Mark the pixels whose label a skip changed, relative to the next coarser head (D)"

# How the 32s head upsamples: 0 its learned (bilinear) deconvolution, f shift-and-stitch by f (CVPR §3.2).
STITCH_TEXT = {0: "&Learned upsampling (1 pass)", 2: "Shift-and-stitch ×&2 (4 passes)",
               4: "Shift-and-stitch ×&4 (16 passes)", 8: "Shift-and-stitch ×&8 (64 passes)",
               32: "Shift-and-stitch ×3&2, every pixel (1024 passes)"}


def _action(window: QMainWindow, text: str, slot: Callable, shortcut=None, checkable: bool = False) -> QAction:
    act = QAction(text, window)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    act.setCheckable(checkable)
    act.triggered.connect(slot)
    return act


def build_actions(w: QMainWindow, do: Commands, vm: ViewModel) -> Actions:
    """Menus and toolbar of `w`; view choices go to `vm`, the rest to `do`."""
    S = QKeySequence.StandardKey
    open_act = _action(w, "&Open…", do.open_dialog, S.Open)
    folder_act = _action(w, "Open &folder…", do.open_folder_dialog, "Ctrl+Shift+O")
    paste_act = _action(w, "&Paste image", do.paste, S.Paste)
    export_labels = _action(w, "Export &labels PNG…", lambda: do.export_labels(), "Ctrl+E")
    export_overlay = _action(w, "Export &overlay PNG…", lambda: do.export_overlay(), "Ctrl+Shift+E")
    quit_act = _action(w, "&Quit", w.close, S.Quit)
    import_act = _action(w, "&Import weights…", do.import_weights)
    import_act.setToolTip("convert a pytorch-fcn .pth or Caffe .caffemodel file into a model of the picker")
    make_model = _action(w, "&Make a model for your own images", do.make_model)
    make_model.setObjectName("make_model_action")
    file_menu = w.menuBar().addMenu("&File")
    file_menu.addActions([open_act, folder_act, paste_act])
    recent = file_menu.addMenu("Open &recent")
    file_menu.addSeparator()
    file_menu.addAction(import_act)
    file_menu.addAction(_action(w, "&Get models…", do.get_models))  # the paper's models and ImageNet trunks
    file_menu.addSeparator()
    file_menu.addAction(_action(w, "&New annotation project…", do.new_annotation_project))
    file_menu.addAction(_action(w, "Open &annotation project…", do.open_annotation_project))
    file_menu.addAction(make_model)
    file_menu.addSeparator()
    file_menu.addActions([export_labels, export_overlay])
    file_menu.addSeparator()
    file_menu.addAction(quit_act)

    fit = _action(w, "&Fit to window", do.fit, "F")
    zoom_in = _action(w, "Zoom &in", lambda: do.zoom(1.25), S.ZoomIn)
    zoom_out = _action(w, "Zoom &out", lambda: do.zoom(0.8), S.ZoomOut)
    compare = _action(w, "&Compare heads", lambda on: setattr(vm, "compare", on), "C", checkable=True)
    changes = _action(w, "Show where the &skips changed the answer", lambda on: setattr(vm, "changes", on), "D",
                      checkable=True)
    background = _action(w, "Show &background", lambda on: setattr(vm, "show_background", on), "B", checkable=True)
    next_img = _action(w, "&Next image", lambda: do.step_image(1), "PgDown")
    prev_img = _action(w, "&Previous image", lambda: do.step_image(-1), "PgUp")
    view_menu = w.menuBar().addMenu("&View")
    view_menu.addActions([fit, zoom_in, zoom_out])
    view_menu.addSeparator()
    view_menu.addActions([compare, changes, background, next_img, prev_img])
    view_menu.addSeparator()  # docks add their toggles below

    model_menu = w.menuBar().addMenu("&Model")
    model_menu.addAction(_action(w, "&Open…", do.open_model_dialog, "Ctrl+M"))
    group = QActionGroup(w)
    heads = {}
    for k, head in enumerate(HEADS, 1):
        act = heads[head] = _action(w, f"FCN-{head}", lambda _=False, h=head: setattr(vm, "head", h), str(k), checkable=True)
        group.addAction(act)
        model_menu.addAction(act)
    model_menu.addSeparator()
    upsampling_menu = model_menu.addMenu("&Upsampling of the 32s head")
    stitch_group = QActionGroup(w)
    stitch = {}
    for factor in STITCH_FACTORS:
        act = stitch[factor] = _action(w, STITCH_TEXT[factor], lambda _=False, f=factor: setattr(vm, "stitch", f),
                                       checkable=True)
        stitch_group.addAction(act)
        upsampling_menu.addAction(act)

    annotate_menu = w.menuBar().addMenu("&Annotate")
    annotate_menu.addAction(make_model)
    annotate_menu.addSeparator()
    annotate_menu.addAction(_action(w, "&Undo paint", do.undo_edit, S.Undo))
    annotate_menu.addAction(_action(w, "&Redo paint", do.redo_edit, "Ctrl+Shift+Z"))
    annotate_menu.addAction(_action(w, "S&maller brush", lambda: do.brush_size(-1), "["))
    annotate_menu.addAction(_action(w, "&Bigger brush", lambda: do.brush_size(1), "]"))
    annotate_menu.addSeparator()
    annotate_menu.addAction(_action(w, "&Classes…", do.edit_classes))
    annotate_menu.addAction(_action(w, "Next most &uncertain image", do.next_uncertain, "N"))
    annotate_menu.addAction(_action(w, "&Train on my annotations", do.train_on_annotations, "Ctrl+Shift+T"))

    run_menu = w.menuBar().addMenu("&Run")
    run_menu.addAction(_action(w, "Segment a &folder into files…", lambda: do.run_batch(), "Ctrl+B"))
    run_menu.addAction(_action(w, "&Cancel batch", do.cancel_batch))
    run_menu.addSeparator()
    run_menu.addAction(_action(w, "&Train…", do.show_training, "Ctrl+T"))
    run_menu.addAction(_action(w, "&Evaluate on dataset…", lambda: do.evaluate(), "Ctrl+Shift+V"))

    help_menu = w.menuBar().addMenu("&Help")
    help_menu.addAction(_action(w, "&Quick start", lambda: do.show_help("Quick start"), "F1"))
    help_menu.addAction(_action(w, "&Keyboard shortcuts", lambda: do.show_help("Keyboard shortcuts")))
    help_menu.addAction(_action(w, "&About fcn-studio", lambda: do.show_help("About")))

    bar = QToolBar("Main")
    bar.setObjectName("main-toolbar")
    bar.setMovable(False)
    w.addToolBar(bar)
    bar.addActions([open_act, folder_act])
    bar.addSeparator()
    bar.addWidget(QLabel(" Model: "))
    model_combo = QComboBox()
    model_combo.setMinimumContentsLength(28)
    model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    bar.addWidget(model_combo)
    bar.addSeparator()
    bar.addWidget(QLabel(" Head: "))
    bar.addActions(list(heads.values()))
    bar.addAction(compare)
    bar.addAction(changes)
    bar.addSeparator()
    bar.addWidget(QLabel(" Device: "))
    device_combo = QComboBox()
    bar.addWidget(device_combo)
    actions = Actions(recent, view_menu, model_combo, device_combo, heads, compare, changes, stitch, background,
                      import_act, make_model)
    actions.bind(vm)
    return actions

