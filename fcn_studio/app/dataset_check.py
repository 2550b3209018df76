"""The training form's live check of a dataset folder: layout, images per split, classes, first problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Generator

from ..data.detect import detect_layout, open_dataset
from ..errors import FileProblem
from .jobs import CancelToken, Job, Lane

CHECK_ITEMS = 3  # images per split that the live check actually decodes (it runs on each keystroke)


@dataclass
class DatasetCheck:
    """What the training form shows under the dataset folder field."""

    folder: str
    layout: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    class_names: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.layout is not None and not self.problems and self.counts.get("train", 0) > 0

    def summary(self) -> str:
        if not self.folder:
            return "choose a dataset folder"
        lines = []
        if self.layout:
            counts = ", ".join(f"{split} {n}" for split, n in self.counts.items())
            lines.append(f"{self.layout} layout: {counts or 'no splits'} images")
        if self.class_names:
            lines.append(f"{len(self.class_names)} classes: {', '.join(self.class_names)}")
        lines += [f"problem: {p}" for p in self.problems]
        return "\n".join(lines)


def check_dataset(folder: str | Path, splits: tuple[str, ...] = ("train", "val"), items: int = CHECK_ITEMS) -> DatasetCheck:
    """Validate a dataset folder for the form: layout, images per split, classes, first problems.

    Opening a split checks that every listed file exists; the first `items` pairs of each split
    are decoded too, so a mask with foreign values shows up before training starts.
    """
    check = DatasetCheck(str(folder))
    if not str(folder).strip():
        return check
    root = Path(folder)
    if not root.is_dir():
        check.problems.append(f"{root}: no such folder")
        return check
    check.layout = detect_layout(root)
    for split in splits:
        try:
            dataset = open_dataset(root, split)
        except (FileProblem, OSError) as exc:
            if split == "train" or check.layout is None:
                check.problems.append(str(exc))
            if check.layout is None:
                break
            continue
        check.counts[split] = len(dataset)
        check.class_names = check.class_names or list(dataset.class_names)
        if len(dataset) == 0:
            check.problems.append(f"{root}: split {split!r} has no images")
        for index in range(min(items, len(dataset))):
            try:
                dataset.load(index)
            except (FileProblem, OSError) as exc:
                check.problems.append(str(exc))
                break
    return check


class CheckDatasetJob(Job):
    """`check_dataset(folder)` as a job, so the form checks off the GUI thread: opening a split
    lists and stats every file, which on a network share or a large VOC tree takes seconds."""

    title = "check dataset"
    lane = Lane.CHECK

    def __init__(self, folder: str | Path):
        self.folder = str(folder)

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, DatasetCheck | None]:
        """Yields nothing; returns the check (None if a newer path was typed while this one waited)."""
        yield from ()
        if cancel is not None and cancel.cancelled:  # a newer path was typed while this one waited its turn
            return None
        return check_dataset(self.folder)
