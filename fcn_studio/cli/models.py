"""Which model a command uses when the user names none, and opening one with a CLI error."""

from __future__ import annotations

from pathlib import Path

from ..engine import FCN, WeightFileError, open_model
from ..paths import models_dir
from . import CommandError

DEFAULT_MODEL_NAME = "fcn8s"


def shipped_models() -> list[Path]:
    folder = models_dir()
    return sorted(folder.glob("*.safetensors")) if folder.is_dir() else []


def default_model_path() -> Path | None:
    """The shipped FCN-8s if there is one, else any shipped model."""
    models = shipped_models()
    for path in models:
        if path.stem.startswith(DEFAULT_MODEL_NAME):
            return path
    return models[0] if models else None


def resolve_model(name: str | None) -> FCN:
    """A path, the stem of a shipped model, or None for the default one."""
    if name is None:
        path = default_model_path()
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
