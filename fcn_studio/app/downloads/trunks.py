"""The catalogue's ImageNet trunks as the start of a training run, in the window as on the command line.

The paper fine-tunes an ImageNet classifier; `train --init vgg16-caffe` starts from the trunk's
converted file (`model_choice.model_file`). The Training dock and "Train on my annotations"
offer the same starts by name: `trunk_choices` lists them with their state, `trunk_file` is the
file a run starts from (where `install` puts it, whether or not it is there yet), and
`trunk_download` is the InstallJob to run first when it is not here. A run so configured before
the download starts from exactly the file the download then writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ...engine import ARCHITECTURES
from ...errors import RecipeError
from .entries import DownloadEntry, load_catalogue
from .install import NOT_HERE, converted_path, state
from .job import InstallJob

READY_LABEL = "ready"
NOT_HERE_LABEL = "not here — downloads when Start is pressed"


@dataclass(frozen=True)
class TrunkChoice:
    """One catalogue trunk as a start: its name (what `train --init` takes), a short title, its state."""

    name: str
    title: str
    backbone: str
    ready: bool
    verified: bool
    width: float = 1.0

    @property
    def label(self) -> str:
        """What a list shows: "VGG16 ImageNet (Caffe) — ready"."""
        unverified = ", unverified source" if not self.verified else ""
        return f"{self.title} — {READY_LABEL if self.ready else NOT_HERE_LABEL}{unverified}"


def short_title(entry: DownloadEntry) -> str:
    """The title up to its first comma ("VGG16 ImageNet (Caffe)"): the rest is in Get models…."""
    return entry.title.split(",", 1)[0].strip()


def trunk_choices() -> list[TrunkChoice]:
    """The catalogue's trunks (a lab's own included), in catalogue order (CatalogueError if unreadable).

    Two of the same short title (a lab's copy of the Caffe VGG16) are told apart by their names."""
    trunks = [e for e in load_catalogue().values() if e.kind == "trunk"]
    titles = Counter(short_title(e) for e in trunks)
    return [TrunkChoice(e.name, short_title(e) if titles[short_title(e)] == 1 else f"{short_title(e)} ({e.name})",
                        ARCHITECTURES[e.arch].backbone, state(e) != NOT_HERE, e.verified, e.width) for e in trunks]


def trunk_entry(name: str) -> DownloadEntry:
    """The catalogue trunk `name`; RecipeError when the catalogue has none of that name."""
    entry = load_catalogue().get(name)
    if entry is None or entry.kind != "trunk":
        raise RecipeError(None, f"{name!r} is not an ImageNet trunk of the catalogue (File ▸ Get models… lists them)")
    return entry


def trunk_file(name: str) -> Path:
    """The file a run starting from trunk `name` opens: the converted trunk, there or still to download."""
    return converted_path(trunk_entry(name))


def start_file(start_from: str, shown: Path | None) -> Path | None:
    """The file a round on the annotations starts from: trunk `start_from`'s, else the shown model's."""
    return trunk_file(start_from) if start_from else shown


def trunk_download(name: str) -> InstallJob | None:
    """The job that brings trunk `name` here first, or None when it is ready."""
    entry = trunk_entry(name)
    return None if state(entry) != NOT_HERE else InstallJob(entry)
