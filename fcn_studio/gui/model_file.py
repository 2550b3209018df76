"""Adding a model file that appeared while the window runs, in one place.

A training run's best model, an imported file, a project's rounds and `--model` at launch all come
here: the file is listed in the model picker (reread if it was there already), or the problem
with it is reported in the error dialog and None is returned.
"""

from __future__ import annotations

from pathlib import Path

from ..app.catalog import ModelEntry
from ..app.view_model import ViewModel
from ..errors import FileProblem
from .error_dialog import ErrorDialog


def add_model_file(vm: ViewModel, path: str | Path, errors: ErrorDialog, hint: str = "") -> ModelEntry | None:
    """The file's catalog entry, or None after reporting why it cannot be used."""
    try:
        return vm.add_model_file(path)
    except FileProblem as problem:
        errors.report(problem, hint)
        return None
