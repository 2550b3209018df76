"""A folder dialog for where results go: a typed folder that does not exist yet is made, not refused.

Qt's folder dialog answers a new name with "Directory not found"; for an output folder (a batch's
results, a training run) a new folder is the usual answer, so it is created and accepted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


class OutputFolderDialog(QFileDialog):
    def __init__(self, parent: QWidget | None, title: str, start: str = ""):
        super().__init__(parent, title, start)
        self.setFileMode(QFileDialog.FileMode.Directory)
        self.setOption(QFileDialog.Option.ShowDirsOnly, True)
        self.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # a native dialog refuses new names itself

    def accept(self) -> None:
        chosen = self.selectedFiles()
        if chosen and not Path(chosen[0]).exists():
            try:
                Path(chosen[0]).mkdir(parents=True)
            except OSError as exc:
                QMessageBox.warning(self, self.windowTitle(), f"{chosen[0]}: cannot create this folder "
                                    f"({exc.strerror or exc})")
                return
        super().accept()


def ask_output_folder(parent: QWidget | None, title: str, start: str = "") -> str:
    """The folder chosen or typed (made if new), or "" if the dialog was cancelled."""
    dialog = OutputFolderDialog(parent, title, start)
    return dialog.selectedFiles()[0] if dialog.exec() and dialog.selectedFiles() else ""
