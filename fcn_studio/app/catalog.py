"""The models the app can use: shipped ones in `models/`, the catalogue's downloaded ones
(`downloads.install.models_dir()`), plus files the user opens.

Only metadata is read here (`read_info`: the safetensors header), so listing models costs no
tensor loading. Models that share `notes["family"]` and class names form a *family*: the same
task trained as FCN-32s, -16s and -8s, between which the head switch moves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import WeightFileError
from ..engine import ARCHITECTURES, ModelInfo, open_model, read_info
from ..engine.registry import HEADS, TRUNKS
from ..data.synthetic.own_scenes import is_scenes_model
from ..paths import DEFAULT_MODEL, models_dir
from .annotate.round_summary import INIT_MODEL, round_label, round_note, round_tooltip
from .downloads.install import models_dir as downloaded_models_dir

log = logging.getLogger(__name__)

BACKBONE_NAMES = {name: trunk.display for name, trunk in TRUNKS.items()}


def head_of_arch(arch: str) -> str:
    """The head an architecture is (its output stride); unknown ones count as the finest."""
    known = ARCHITECTURES.get(arch)
    return known.head if known is not None else HEADS[-1]


def backbone_of_arch(arch: str) -> str:
    known = ARCHITECTURES.get(arch)
    return known.backbone if known is not None else ""


def display_arch(arch: str) -> str:
    """FCN-8s, FCN-8s at-once, FCN-AlexNet-16s, FCN-GoogLeNet-32s, … (unknown names as they are)."""
    known = ARCHITECTURES.get(arch)
    return known.display if known is not None else arch


def trained_on(info: ModelInfo) -> str | None:
    """In words, what a model file says it learned from, or None when it says nothing.

    The shipped models (a release, training/release.py) carry their synthetic scenes as
    `notes["data"] = {"train": {n, size, seed, …}, "test": {…}}`; a run of the trainer carries its
    dataset folder as `notes["data"]`; imported weights name the file they came from; a hand-made
    file may say it in `recipe["dataset"]`.
    """
    data = info.notes.get("data")
    if is_scenes_model(info.notes):
        train, test = data["train"], data.get("test")
        words = f"{train.get('n', '?')} synthetic scenes ({train.get('size', '?')} px, data seed {train.get('seed', '?')})"
        if isinstance(test, dict):
            words += f"; scored on {test.get('n', '?')} held-out scenes (seed {test.get('seed', '?')})"
        return words
    if isinstance(data, str) and data:
        return f"the dataset {data}"
    source = info.notes.get("imported_from")
    if source:
        return f"the data of {source} (imported, {info.notes.get('format', 'another format')})"
    if isinstance(info.recipe.get("dataset"), str) and info.recipe["dataset"]:
        return info.recipe["dataset"]
    return None


@dataclass(frozen=True)
class ModelEntry:
    """One model file and what it says about itself."""

    path: Path
    info: ModelInfo = field(compare=False, hash=False)
    shipped: bool = False

    @property
    def scenes_only(self) -> bool:
        """A shipped model of the synthetic scenes, to which photos mean little (the photo note and the
        card say so). A user's model fine-tuned from one keeps its notes, so `shipped` is asked too."""
        return self.shipped and is_scenes_model(self.info.notes)

    @property
    def head(self) -> str:
        return head_of_arch(self.info.arch)

    @property
    def family(self) -> tuple:
        """Models with equal keys can stand in for each other's heads (same task, same trunk)."""
        name = self.info.notes.get("family")
        if not name:
            return ("file", str(self.path))
        return ("family", str(name), tuple(self.info.class_names), backbone_of_arch(self.info.arch))

    @property
    def family_name(self) -> str:
        return str(self.info.notes.get("family") or self.path.stem)

    @property
    def label(self) -> str:
        """The picker's name: a training round by its project, number, updates and honest score."""
        note = round_note(self.info.notes)
        if note is not None:
            return round_label(note)
        arch = display_arch(self.info.arch)
        return f"{arch} ({self.family_name}) — {self.path.name}"

    @property
    def tooltip(self) -> str:
        """The picker's tooltip: a round's settings and what it kept, else the file."""
        note = round_note(self.info.notes)
        return round_tooltip(note) if note is not None else str(self.path)


class Catalog:
    """Shipped models (scanned from a folder) plus user-opened files, in a stable order."""

    def __init__(self, folder: Path | None = None, downloads: Path | None = None):
        self.folder = models_dir() if folder is None else Path(folder)
        self.downloads = downloaded_models_dir() if downloads is None else Path(downloads)
        self.entries: list[ModelEntry] = []
        self.problems: list[str] = []
        self.scan()

    def scan(self) -> None:
        """(Re)read the shipped folder; unreadable files are skipped and noted, never fatal."""
        user = [e for e in self.entries if not e.shipped]
        self.entries, self.problems = [], []
        files = sorted(self.folder.glob("*.safetensors")) if self.folder.is_dir() else []
        for path in files:
            try:
                self.entries.append(ModelEntry(path.resolve(), read_info(path), shipped=True))
            except WeightFileError as exc:
                log.warning("skipping shipped model: %s", exc)
                self.problems.append(str(exc))
        self.entries.extend(user)
        known = {e.path for e in self.entries}
        fetched = sorted(self.downloads.glob("*.safetensors")) if self.downloads.is_dir() else []
        for path in fetched:
            try:
                if path.resolve() not in known:
                    self.entries.append(ModelEntry(path.resolve(), read_info(path), shipped=False))
            except WeightFileError as exc:
                log.warning("skipping downloaded model: %s", exc)

    def add_file(self, path: str | Path) -> ModelEntry:
        """Register a user's model file (ours, pytorch-fcn or Caffe); raises WeightFileError.

        Files of the same family lying beside it come along, so opening a folder's fcn8s also
        makes its 32s and 16s siblings available to the head switch.
        """
        path = Path(path).resolve()
        for entry in self.entries:
            if entry.path == path:
                return entry
        info = read_info(path) if path.suffix.lower() == ".safetensors" else open_model(path).info
        entry = ModelEntry(path, info, shipped=False)
        self.entries.append(entry)
        if entry.family[0] == "family":
            self._add_siblings(entry)
        return entry

    def reread(self, entry: ModelEntry) -> ModelEntry:
        """The entry with its metadata read again from its file (kept in the same place)."""
        fresh = ModelEntry(entry.path, read_info(entry.path), shipped=entry.shipped)
        self.entries = [fresh if e.path == entry.path else e for e in self.entries]
        return fresh

    def _add_siblings(self, entry: ModelEntry) -> None:
        known = {e.path for e in self.entries}
        for other in sorted(entry.path.parent.glob("*.safetensors")):
            if other.resolve() in known or other.name == INIT_MODEL:  # a round's starting point is no model of its own
                continue
            try:
                sibling = ModelEntry(other.resolve(), read_info(other), shipped=False)
            except WeightFileError:
                continue
            if sibling.family == entry.family:
                self.entries.append(sibling)

    def find(self, name: str | Path) -> ModelEntry | None:
        """By path, file name or stem (`fcn8s` finds models/fcn8s.safetensors)."""
        target = str(name)
        for entry in self.entries:
            if target in (str(entry.path), entry.path.name, entry.path.stem):
                return entry
        path = Path(target)
        if path.exists():
            return next((e for e in self.entries if e.path == path.resolve()), None)
        return None

    def default(self, name: str = DEFAULT_MODEL) -> ModelEntry | None:
        """The shipped model called `name` (FCN-8s) if there is one, else the finest head of
        anything we have (shipped first). The CLI and the app both start from this choice."""
        if not self.entries:
            return None
        for entry in self.entries:
            if entry.shipped and entry.path.stem == name:
                return entry
        order = {h: i for i, h in enumerate(HEADS)}
        return max(self.entries, key=lambda e: (e.shipped, order[e.head]))

    def heads(self, entry: ModelEntry) -> dict[str, ModelEntry]:
        """The family of `entry`, one model per head; `entry` itself always holds its own head.

        When two files claim a head (fcn32s and fcn32s-fixed), the one named after its
        architecture wins, then the first by name: the choice is stable across runs.
        """
        members = [e for e in self.entries if e.family == entry.family]
        out: dict[str, ModelEntry] = {}
        for e in sorted(members, key=lambda e: (e.path.stem != e.info.arch, e.path.name)):
            out.setdefault(e.head, e)
        out[entry.head] = entry
        return {h: out[h] for h in HEADS if h in out}
