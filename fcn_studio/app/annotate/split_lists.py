"""The per-image flags of a project, kept as split lists in its folder (one name a line).

    ROOT/val.txt             the images kept for testing (the user's flag)
    ROOT/fully_painted.txt   the images the user says are painted completely (the user's flag)
    ROOT/train.txt           painted images not kept for testing (derived: what training reads)
    ROOT/val-dense.txt       held-out images that are fully painted (derived: the trustworthy score)

A held-out image is never in train.txt, whatever else is true of it: that is the one rule that
keeps test data out of training. Only fully painted held-out images give a score without a caveat,
so they get a list of their own that evaluation reads like any split.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Iterable

from ...data.splits import read_split_file

log = logging.getLogger(__name__)

TRAIN_LIST = "train.txt"
TEST_LIST = "val.txt"
FULLY_PAINTED_LIST = "fully_painted.txt"
DENSE_TEST_LIST = "val-dense.txt"

Writer = Callable[[Path, Callable[[str], None]], None]


class SplitLists:
    """The held-out, labelled and fully painted sets of a project's images and their list files.
    `write(path, fill)` is the project's atomic file writer."""

    def __init__(self, root: Path, images: Iterable[str], write: Writer):
        self.root, self._write = root, write
        known = set(images)
        self.held_out = self._read(TEST_LIST, known)
        self.labelled = self._read(TRAIN_LIST, known)
        self.fully_painted = self._read(FULLY_PAINTED_LIST, known)

    def _read(self, name: str, known: set[str]) -> set[str]:
        path = self.root / name
        if not path.is_file():
            return set()
        ids = {e.id for e in read_split_file(path)}
        stray = sorted(ids - known)
        if stray:
            log.warning("%s names %d images that are not in the project (e.g. %s); they are dropped",
                        path, len(stray), stray[0])
        return ids & known

    def training_names(self) -> list[str]:
        return sorted(self.labelled - self.held_out)

    def dense_test_names(self) -> list[str]:
        return sorted(self.held_out & self.fully_painted)

    def forget(self, name: str) -> None:
        for names in (self.held_out, self.labelled, self.fully_painted):
            names.discard(name)
        self.write()

    def write(self) -> None:
        """Every list file from the sets; an empty list is no file (the trainer then skips the split)."""
        lists = ((TRAIN_LIST, self.training_names()), (TEST_LIST, sorted(self.held_out)),
                 (FULLY_PAINTED_LIST, sorted(self.fully_painted)), (DENSE_TEST_LIST, self.dense_test_names()))
        for list_name, names in lists:
            path = self.root / list_name
            if names:
                self._write(path, lambda tmp, names=names: Path(tmp).write_text("\n".join(names) + "\n", encoding="utf-8"))
            else:
                path.unlink(missing_ok=True)
