"""Help (#30 item 10): a quick start whose menu paths are real, the shortcuts read from the actions,
an About with versions, places and the README."""

import re

import torch
from PySide6.QtGui import QKeySequence

from fcn_studio.app import about
from fcn_studio.gui.help_dialog import TABS, HelpDialog, menu_entries, shortcut_rows
from fcn_studio.paths import models_dir


def test_every_menu_path_of_the_quick_start_is_a_real_entry(window):
    entries = {name for name, _ in menu_entries(window)}
    named = [m for step in about.QUICK_START for m in re.findall(r"\*\*(.+?)\*\*", step)]
    assert len(named) >= 12
    missing = [n for n in named if n not in entries]
    assert missing == [], missing


def test_the_shortcut_table_is_read_from_the_bindings(window):
    native = QKeySequence.SequenceFormat.NativeText
    rows = dict(shortcut_rows(window))
    assert rows["File ▸ Open…"] == QKeySequence(QKeySequence.StandardKey.Open).toString(native)
    assert rows["Model ▸ FCN-16s"] == "2" and rows["Help ▸ Quick start"] == "F1"
    assert rows["Hold over the image: the receptive field follows the mouse"] == "R"
    assert rows["Class 1"] == "1"  # the window's own actions: the class digits while painting
    window.actions.heads["16s"].setShortcut(QKeySequence("Ctrl+6"))  # a binding changed: the table follows
    assert dict(shortcut_rows(window))["Model ▸ FCN-16s"] == QKeySequence("Ctrl+6").toString(native)


def test_help_opens_on_the_asked_tab_with_versions_places_and_the_readme(qtbot, window):
    help_menu = window.menuBar().actions()[-1].menu()
    quick = next(a for a in help_menu.actions() if a.text() == "&Quick start")
    quick.trigger()
    dialog = window.help
    assert isinstance(dialog, HelpDialog) and dialog.isVisible() and dialog.tabs.currentIndex() == TABS.index("Quick start")
    assert dialog.quick_start.toPlainText().count("\n") >= len(about.QUICK_START) - 1
    assert about.QUICK_START[0][:40] in dialog.quick_start.toPlainText()
    next(a for a in help_menu.actions() if a.text() == "&About fcn-studio").trigger()
    assert dialog.tabs.currentIndex() == TABS.index("About")
    text = dialog.about.toPlainText()
    assert torch.__version__.split("+")[0] in text and str(models_dir()) in text and window.settings.fileName() in text
    assert about.readme().as_uri() in dialog.about.toHtml()
    assert dialog.shortcuts.rowCount() == len(shortcut_rows(window))
    dialog.close()
