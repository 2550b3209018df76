"""Menus, toolbar and keyboard shortcuts of the main window, declared in one table-like place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar

from ..app.catalog import HEADS

if TYPE_CHECKING:
    from .main_window import MainWindow


@dataclass
class Actions:
    recent_menu: object
    model_combo: QComboBox
    device_combo: QComboBox
    heads: dict[str, QAction]
    compare: QAction
    changes: QAction
    stitch: dict[int, QAction]


# How the 32s head upsamples: 0 its learned (bilinear) deconvolution, f shift-and-stitch by f (CVPR §3.2).
STITCH_CHOICES = ((0, "&Learned upsampling (1 pass)"), (2, "Shift-and-stitch ×&2 (4 passes)"),
                  (4, "Shift-and-stitch ×&4 (16 passes)"), (8, "Shift-and-stitch ×&8 (64 passes)"),
                  (32, "Shift-and-stitch ×3&2, every pixel (1024 passes)"))


def _action(window: "MainWindow", text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
    act = QAction(text, window)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    act.setCheckable(checkable)
    act.triggered.connect(slot)
    return act


def build_actions(w: "MainWindow") -> Actions:
    S = QKeySequence.StandardKey
    open_act = _action(w, "&Open…", w.open_dialog, S.Open)
    folder_act = _action(w, "Open &folder…", w.open_folder_dialog, "Ctrl+Shift+O")
    paste_act = _action(w, "&Paste image", w.paste, S.Paste)
    export_labels = _action(w, "Export &labels PNG…", lambda: w.export_labels(), "Ctrl+E")
    export_overlay = _action(w, "Export &overlay PNG…", lambda: w.export_overlay(), "Ctrl+Shift+E")
    quit_act = _action(w, "&Quit", w.close, S.Quit)
    file_menu = w.menuBar().addMenu("&File")
    file_menu.addActions([open_act, folder_act, paste_act])
    recent = file_menu.addMenu("Open &recent")
    file_menu.addSeparator()
    file_menu.addActions([export_labels, export_overlay])
    file_menu.addSeparator()
    file_menu.addAction(quit_act)

    fit = _action(w, "&Fit to window", w.fit, "F")
    zoom_in = _action(w, "Zoom &in", lambda: w.image_view.zoom(1.25), S.ZoomIn)
    zoom_out = _action(w, "Zoom &out", lambda: w.image_view.zoom(0.8), S.ZoomOut)
    compare = _action(w, "&Compare heads", w.set_compare, "C", checkable=True)
    changes = _action(w, "Show where the &skips changed the answer", w.set_changes, "D", checkable=True)
    next_img = _action(w, "&Next image", lambda: w.step_image(1), "PgDown")
    prev_img = _action(w, "&Previous image", lambda: w.step_image(-1), "PgUp")
    view_menu = w.menuBar().addMenu("&View")
    view_menu.addActions([fit, zoom_in, zoom_out])
    view_menu.addSeparator()
    view_menu.addActions([compare, changes, next_img, prev_img])
    view_menu.addSeparator()
    w.view_menu = view_menu  # docks add their toggles here

    model_menu = w.menuBar().addMenu("&Model")
    model_menu.addAction(_action(w, "&Open…", w.open_model_dialog, "Ctrl+M"))
    group = QActionGroup(w)
    heads = {}
    for k, head in enumerate(HEADS, 1):
        act = heads[head] = _action(w, f"FCN-{head}", lambda _=False, h=head: w.set_head(h), str(k), checkable=True)
        group.addAction(act)
        model_menu.addAction(act)
    model_menu.addSeparator()
    upsampling_menu = model_menu.addMenu("&Upsampling of the 32s head")
    stitch_group = QActionGroup(w)
    stitch = {}
    for factor, text in STITCH_CHOICES:
        act = stitch[factor] = _action(w, text, lambda _=False, f=factor: w.set_stitch(f), checkable=True)
        stitch_group.addAction(act)
        upsampling_menu.addAction(act)

    run_menu = w.menuBar().addMenu("&Run")
    run_menu.addAction(_action(w, "Segment a &folder into files…", lambda: w.run_batch(), "Ctrl+B"))
    run_menu.addAction(_action(w, "&Cancel batch", w.cancel_batch))
    run_menu.addSeparator()
    run_menu.addAction(_action(w, "&Train…", lambda: w.training.show(), "Ctrl+T"))
    run_menu.addAction(_action(w, "&Evaluate on dataset…", lambda: w.training.evaluate(), "Ctrl+Shift+V"))

    help_menu = w.menuBar().addMenu("&Help")
    help_menu.addAction(_action(w, "&Keyboard shortcuts", w.show_shortcuts, "F1"))

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
    return Actions(recent, model_combo, device_combo, heads, compare, changes, stitch)


SHORTCUTS = """Ctrl+O open · Ctrl+Shift+O open folder · Ctrl+V paste an image · Ctrl+M open a model
1 / 2 / 3 head 32s / 16s / 8s · C compare heads · D skip changes · F fit · Ctrl +/− zoom
PgUp / PgDown previous / next image · Ctrl+E export labels · Ctrl+Shift+E export overlay
Ctrl+B segment a folder into files · Ctrl+T training · Ctrl+Shift+V evaluate on a dataset"""
