"""Where the shipped sample images and models are, in a source checkout and in a wheel."""

from __future__ import annotations

from pathlib import Path

from .images import IMAGE_SUFFIXES

_PACKAGE = Path(__file__).resolve().parent
# The shipped model (a file stem in models_dir()) used wherever the user names none: the paper's
# best net. Here, beside the folder it names, so the command line can show it without loading PyTorch.
DEFAULT_MODEL = "fcn8s"


def _locate(name: str) -> Path:
    """A wheel carries the folder inside the package; a checkout has it beside the package."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    return _PACKAGE.parent / name


def resources_dir() -> Path:
    return _locate("resources")


def models_dir() -> Path:
    return _locate("models")


def sample_images() -> list[Path]:
    """Shipped sample images (not their masks), sorted by name."""
    folder = resources_dir() / "samples"
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES and not p.stem.endswith("_mask")
    )
