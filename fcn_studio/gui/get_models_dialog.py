"""File ▸ Get models…: the catalogue's files with their state; one downloads in the background.

The work is the Qt-free `InstallJob` (Lane.DOWNLOAD), so the window stays responsive and the
dialog may be closed while a file comes in. A failure shows the message as it is — for a machine
without a network, the exact URLs and the way to bring a file fetched elsewhere, which
"Import from file…" then takes (checked by the same hash, or parsed).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..app.downloads.entries import DownloadEntry, load_catalogue
from ..app.downloads.fetch import DownloadProgress
from ..app.downloads.install import Installed, manual_hint, state
from ..app.downloads.job import InstallJob
from ..app.view_model import ViewModel
from ..errors import FileProblem
from .worker import JobHandle, JobRunner

COLUMNS = ("Name", "State", "Classes", "Size", "Reported result", "What it is")
DOWNLOADING = "downloading"


class GetModelsDialog(QDialog):
    """The catalogue as a table; Download, Cancel, Import from file…; progress with rate and ETA."""

    def __init__(self, vm: ViewModel, runner: JobRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Get models")
        self.vm, self.runner = vm, runner
        self.handle: JobHandle | None = None
        self.active: DownloadEntry | None = None
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.download = QPushButton("Download")
        self.cancel = QPushButton("Cancel download")
        self.from_file = QPushButton("Import from file…")
        close = QPushButton("Close")
        self.bar = QProgressBar()
        self.status = QLabel("Choose a model or trunk; nothing is downloaded until you ask.")
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 4)  # an offline message's URLs
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # URLs to copy
        buttons = QHBoxLayout()
        for button in (self.download, self.cancel, self.from_file):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.download.clicked.connect(lambda: self.start_download())
        self.cancel.clicked.connect(self.cancel_download)
        self.from_file.clicked.connect(self.import_from_file)
        close.clicked.connect(self.hide)
        self.table.itemSelectionChanged.connect(self._sync_buttons)
        self.resize(1100, 520)
        self.entries: list[DownloadEntry] = []
        self.refresh()

    def refresh(self) -> None:
        """Re-read the catalogue (a lab's file may have changed) and every file's state."""
        try:
            self.entries = list(load_catalogue().values())
        except FileProblem as exc:
            self.entries = []
            self.status.setText(str(exc))
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            size = f"{entry.size_mb:.0f} MB" if entry.size_mb else "?"
            cells = (entry.name, self.state_of(entry), str(entry.classes), size, entry.result, entry.title)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if column != 0 else "\n".join(entry.urls))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self._sync_buttons()

    def state_of(self, entry: DownloadEntry) -> str:
        if self.active is not None and entry.name == self.active.name:
            return DOWNLOADING
        found = state(entry)
        return "not here (unverified source)" if found == "not here" and not entry.verified else found

    def selected(self) -> DownloadEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows else None

    def select(self, name: str) -> None:
        self.table.selectRow(next(i for i, e in enumerate(self.entries) if e.name == name))

    def start_download(self, from_file: str | None = None) -> None:
        entry = self.selected()
        if entry is None or self.handle is not None:
            return
        self.active = entry
        self.bar.setRange(0, 0)
        self.status.setText(f"{entry.name}: {'checking ' + from_file if from_file else 'connecting to ' + entry.urls[0]}…")
        self.handle = self.runner.submit(InstallJob(entry, from_file), yielded=self._progress, returned=self._done,
                                         errored=self._failed, finished=self._finished)
        self.refresh()

    def cancel_download(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def import_from_file(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, f"The file for {entry.name} ({entry.download_name})")
        if path:
            self.start_download(path)

    def _progress(self, event: object) -> None:
        if isinstance(event, DownloadProgress):
            if event.total:
                self.bar.setRange(0, 1000)
                self.bar.setValue(int(1000 * event.done / event.total))
            self.status.setText(event.message)

    def _done(self, done: Installed | None) -> None:
        if done is None:
            self.status.setText(f"{self.active.name}: cancelled; nothing was kept")
            return
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        check = "checked against its published hash" if done.entry.verified else \
            "UNVERIFIED SOURCE: accepted because it parses as the catalogue says"
        self.status.setText(f"{done.entry.name} ready ({check}): {done.path}")
        if done.entry.kind == "model":
            self.vm.model = self.vm.add_model_file(done.path)

    def _failed(self, problem: Exception) -> None:
        message = str(problem)
        entry = self.active
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        hint = "" if entry is None or manual_hint(entry) in message else f" ({manual_hint(entry)})"
        self.status.setText(f"{message}{hint}. With a file fetched elsewhere: Import from file…")

    def _finished(self) -> None:
        self.handle, self.active = None, None
        self.refresh()

    def _sync_buttons(self) -> None:
        busy = self.handle is not None
        chosen = self.selected() is not None
        self.download.setEnabled(chosen and not busy)
        self.from_file.setEnabled(chosen and not busy)
        self.cancel.setEnabled(busy)
