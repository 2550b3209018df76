"""The one family of errors a user may see: each names the file (or setting) and the problem.

Every fault the library can foresee — a corrupt image, a bad dataset, a malformed weights file,
an unusable recipe or checkpoint, a training run that stopped — is a `FileProblem`. Callers
catch that one base instead of long tuples; the CLI prints it as one line, the GUI as a dialog.
`path` is None where the problem is a setting rather than a file (the message is then `reason`).
"""

from __future__ import annotations

import os


def printable(name: str) -> str:
    """A file name that any terminal, log or Qt label can show.

    On POSIX a name that is not UTF-8 arrives with lone surrogates, which make `print` and Qt
    raise; its undecodable bytes are shown as U+FFFD instead.
    """
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return name.encode("utf-8", "replace").decode("utf-8")


class FileProblem(Exception):
    """A file, folder or setting that cannot be used, and why."""

    def __init__(self, path: str | os.PathLike | None, reason: str):
        self.path = None if path is None else os.fspath(path)
        self.reason = reason
        super().__init__(reason if self.path is None else f"{printable(self.path)}: {reason}")


class ImageLoadError(FileProblem):
    """An image could not be read."""

    @property
    def source(self) -> str:
        return self.path or ""


class DatasetError(FileProblem):
    """A dataset is unusable; the path is the file (and the reason the line) at fault."""


class WeightFileError(FileProblem):
    """A weight file is missing, unreadable or of the wrong kind."""


class CheckpointError(FileProblem):
    """A training checkpoint cannot be written or read back."""


class RecipeError(FileProblem, ValueError):
    """A recipe, run configuration or training setting that cannot be used (path: the file or None)."""


class DeviceError(FileProblem, ValueError):
    """A device setting (`--device`, a run's config) this machine cannot run on (path: None)."""


class TrainingStopped(FileProblem):
    """A training run ended before its last update (NaN loss, cancel, a failed checkpoint)."""


class OutputError(FileProblem):
    """A result (labels, overlay, metrics, a converted model) could not be written where asked."""


class ExportError(FileProblem):
    """The model could not be exported (an architecture or torch version the exporter rejects)."""


class MaskProblem(FileProblem):
    """An annotation mask that cannot be read, does not fit its image, or cannot be written."""


class ClassInUse(FileProblem):
    """Deleting a class that masks still use, without saying what becomes of those pixels."""


class DownloadError(FileProblem):
    """A file that could not be fetched, or was refused (a wrong hash, no network); `path` is the source
    or the target."""


class SettingsError(FileProblem, ValueError):
    """A choice the user made that cannot be used (a class name, a tool, a label set; path: None)."""

    def __init__(self, reason: str, path: str | os.PathLike | None = None):
        super().__init__(path, reason)


class ComputeError(FileProblem):
    """A forward pass or training step on a file failed (out of memory, a runtime fault): the file and why."""


class CommandError(Exception):
    """A command-line failure the user can fix (a bad option, a clash of options): the command prints it as
    one line and exits with status 1 (or its `code`)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code
