"""What Help says about the program: the quick start, the versions, and where its files live.

Kept without Qt so the words are tested where they are written; the window's Help dialog only lays
them out. Each quick-start step names menu entries as "Menu ▸ Entry", and a GUI test checks that
every one of them is a real entry of the window's menus, so the steps cannot drift from the menus.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from ..engine.backends.cache import cache_dir
from ..paths import models_dir, resources_dir
from .import_job import USER_MODELS

# What Help names → the distributions that may provide it (PySide6 is often only its Essentials part).
PACKAGES = {"fcn-studio": ("fcn-studio",), "torch": ("torch",), "PySide6": ("PySide6", "PySide6-Essentials"),
            "onnxruntime": ("onnxruntime", "onnxruntime-gpu")}

QUICK_START = (  # **Menu ▸ Entry** is drawn bold, and a test finds each in the window's menus
    "Open images: drop images or folders on the window, or **File ▸ Open…** (a whole folder: "
    "**File ▸ Open folder…**); paste one with **File ▸ Paste image**. Each is segmented in the background "
    "and drawn over the image.",
    "Switch heads with **Model ▸ FCN-32s**, **Model ▸ FCN-16s** and **Model ▸ FCN-8s** (keys 1, 2, 3); "
    "**View ▸ Compare heads** shows them side by side, **View ▸ Show where the skips changed the answer** "
    "marks the pixels the skips changed.",
    "Click a pixel (or hold R over the image) to see its receptive field; the Inside the net dock shows "
    "every score map of the forward pass and the cells that feed that pixel.",
    "The shipped models know only synthetic scenes. For photos, **File ▸ Import weights…** (a pytorch-fcn "
    "or Caffe file), or **Annotate ▸ Make a model for your own images**: paint a few strokes, then "
    "**Annotate ▸ Train on my annotations**.",
    "Save what you see with **File ▸ Export labels PNG…** and **File ▸ Export overlay PNG…**; "
    "**Run ▸ Segment a folder into files…** does a whole folder, **Run ▸ Train…** trains on a dataset.",
)


def versions() -> dict[str, str]:
    """The installed version of the program and of what it stands on ("not installed" if absent)."""
    out = {}
    for name, distributions in PACKAGES.items():
        out[name] = "not installed"
        for distribution in distributions:
            try:
                out[name] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                continue
    return out


def readme() -> Path | None:
    """The README of a source checkout (a wheel carries it as its description only)."""
    path = resources_dir().parent / "README.md"
    return path if path.is_file() else None


def places(settings: str) -> dict[str, Path | str]:
    """Where the program keeps its files; `settings` is the settings file the window uses."""
    return {"shipped models": models_dir(), "your models (imported)": USER_MODELS,
            "runtime cache (exported graphs)": cache_dir(), "settings": settings}
