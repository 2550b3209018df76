"""Which model a command uses when the user names none, and opening one with a CLI error.

The choice is the catalog's (`Catalog.default`), the same one the app starts with.
"""

from __future__ import annotations

from pathlib import Path

from ..app.catalog import DEFAULT_MODEL, Catalog
from ..engine import FCN, open_model
from ..paths import models_dir
from . import CommandError

STITCH_MODEL_NAME = "fcn32s"  # shift-and-stitch densifies a 32s net


def resolve_model(name: str | None, prefer: str = DEFAULT_MODEL) -> FCN:
    """A path, the stem of a shipped model, or None for the default one (`prefer`'s, if shipped).

    A file that cannot be opened raises WeightFileError, which the CLI prints as one line.
    """
    catalog = Catalog()
    shipped = {entry.path.stem: entry.path for entry in catalog.entries}
    if name is None:
        entry = catalog.default(prefer)
        if entry is None:
            raise CommandError(f"no model given and none shipped in {models_dir()}; pass --model FILE")
        path = entry.path
    else:
        path = Path(name)
        if not path.exists():
            if name not in shipped:
                raise CommandError(f"{name}: no such model file (shipped models: {', '.join(shipped) or 'none'})")
            path = shipped[name]
    return open_model(path)
