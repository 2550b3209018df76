"""Help: a quick start, the keyboard shortcuts, and what is installed where.

The shortcut table is read from the window's own actions (every menu entry with a key, the window's
extra actions such as the class digits while painting) and the image view's keys, so it lists
exactly what the keys do; the quick start and the About text come from `app/about.py`.
"""

from __future__ import annotations

import html
import re

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QMainWindow, QMenu, QTableWidget,
                               QTableWidgetItem, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from ..app import about
from .image_view import VIEW_KEYS

TABS = ("Quick start", "Keyboard shortcuts", "About")


def menu_entries(window: QMainWindow) -> list[tuple[str, QAction]]:
    """Every entry of the window's menus as ("File ▸ Open…", action), submenus included."""
    out: list[tuple[str, QAction]] = []

    def walk(menu: QMenu, path: str) -> None:
        for act in menu.actions():
            text = act.text().replace("&", "")
            if act.menu() is not None:
                walk(act.menu(), f"{path} ▸ {text}")
            elif text and not act.isSeparator():
                out.append((f"{path} ▸ {text}", act))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), top.text().replace("&", ""))
    return out


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str]]:
    """(what, key) for each bound key: menu entries, the window's own actions, the image view's keys."""
    native = QKeySequence.SequenceFormat.NativeText
    rows = [(name, act.shortcut().toString(native)) for name, act in menu_entries(window) if not act.shortcut().isEmpty()]
    own = QWidget.actions(window)  # the main window's `actions` attribute is its menus' table
    rows += [(act.text().replace("&", ""), act.shortcut().toString(native)) for act in own if not act.shortcut().isEmpty()]
    rows += [(what, QKeySequence(key).toString(native)) for key, what in VIEW_KEYS.items()]
    return rows


def about_html(settings_file: str) -> str:
    e = html.escape
    versions = "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in about.versions().items())
    places = "".join(f"<tr><td>{e(k)}</td><td>{e(str(v))}</td></tr>" for k, v in about.places(settings_file).items())
    readme = about.readme()
    link = (f'<a href="{readme.as_uri()}">{e(str(readme))}</a>' if readme is not None
            else "the README on the project's page (this installation carries none)")
    return (f"<h3>fcn-studio</h3><p>Fully Convolutional Networks (Long, Shelhamer &amp; Darrell, CVPR 2015) "
            f"to look into.</p><table>{versions}</table><h4>Where its files live</h4><table>{places}</table>"
            f"<p>Everything else: {link}</p>")


class HelpDialog(QDialog):
    def __init__(self, window: QMainWindow, settings_file: str, parent: QWidget | None = None):
        super().__init__(parent or window)
        self.setWindowTitle("fcn-studio help")
        self.tabs = QTabWidget()
        self.quick_start = QTextBrowser()
        steps = (re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(step)) for step in about.QUICK_START)
        self.quick_start.setHtml("<ol>" + "".join(f"<li>{step}</li>" for step in steps) + "</ol>")
        rows = shortcut_rows(window)
        self.shortcuts = QTableWidget(len(rows), 2)
        self.shortcuts.setHorizontalHeaderLabels(["what", "key"])
        self.shortcuts.verticalHeader().hide()
        for r, (what, key) in enumerate(rows):
            self.shortcuts.setItem(r, 0, QTableWidgetItem(what))
            self.shortcuts.setItem(r, 1, QTableWidgetItem(key))
        self.shortcuts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.shortcuts.resizeRowsToContents()
        self.about = QTextBrowser()
        self.about.setOpenExternalLinks(True)
        self.about.setHtml(about_html(settings_file))
        for name, widget in zip(TABS, (self.quick_start, self.shortcuts, self.about)):
            self.tabs.addTab(widget, name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(640, 520)

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(name))
        self.show()
        self.raise_()
