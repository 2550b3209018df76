"""Which model a command uses when the user names none, and opening one with a CLI error."""

from __future__ import annotations

from pathlib import Path

from ..errors import WeightFileError
from ..engine import FCN, open_model
from ..paths import models_dir
from . import CommandError

DEFAULT_MODEL_NAME = "fcn8s"
STITCH_MODEL_NAME = "fcn32s"  # shift-and-stitch densifies a 32s net


def shipped_models() -> list[Path]:
    folder = models_dir()
    return sorted(folder.glob("*.safetensors")) if folder.is_dir() else []


def default_model_path(prefer: str = DEFAULT_MODEL_NAME) -> Path | None:
    """The shipped model whose name starts with `prefer` (FCN-8s) if there is one, else any."""
    models = shipped_models()
    for path in models:
        if path.stem.startswith(prefer):
            return path
    return models[0] if models else None


def resolve_model(name: str | None, prefer: str = DEFAULT_MODEL_NAME) -> FCN:
    """A path, the stem of a shipped model, or None for the default one (`prefer`'s, if shipped)."""
    if name is None:
        path = default_model_path(prefer)
        if path is None:
            raise CommandError(f"no model given and none shipped in {models_dir()}; pass --model FILE")
    else:
        path = Path(name)
        if not path.exists():
            shipped = {p.stem: p for p in shipped_models()}
            if name not in shipped:
                raise CommandError(f"{name}: no such model file (shipped models: {', '.join(shipped) or 'none'})")
            path = shipped[name]
    try:
        return open_model(path)
    except WeightFileError as exc:
        raise CommandError(str(exc)) from None
