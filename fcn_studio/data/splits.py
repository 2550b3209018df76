"""Split list files (one image id per line), finding files by stem, checking folders.

Every dataset layout we read names its images in plain text lists (VOC's ImageSets, SBD's
train.txt, the paper's seg11valid.txt). Entries keep their line number so an error about a missing
file can point at the line to fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatasetError


MISSING_SHOWN = 20  # missing files named in one error; the rest are counted


@dataclass(frozen=True)
class SplitEntry:
    """One id from a split list and the 1-based line it stood on."""

    id: str
    line: int


def looks_like_path(split: str) -> bool:
    """A split given as a file (`lists/seg11valid.txt`) rather than a name (`val`)."""
    return split.endswith(".txt") or "/" in split or "\\" in split


def resolve_split(split: str | os.PathLike, lists_dir: Path, root: Path) -> Path:
    """A split name → `lists_dir/<name>.txt`; a path is taken as is (or relative to `root`).

    A missing list raises DatasetError naming the file and the splits that do exist.
    """
    text = os.fspath(split)
    if looks_like_path(text):
        path = Path(text).expanduser()
        if not path.is_absolute() and not path.exists() and (root / path).exists():
            path = root / path
    else:
        path = lists_dir / f"{text}.txt"
    if not path.is_file():
        available = sorted(p.stem for p in lists_dir.glob("*.txt")) if lists_dir.is_dir() else []
        hint = f"; splits here: {', '.join(available)}" if available else ""
        raise DatasetError(path, f"no such split list{hint}")
    return path


def read_split_file(path: str | Path) -> list[SplitEntry]:
    """Ids from a list file: first word of each line; blank lines and `#` comments skipped.

    The first word only, because VOC's per-class lists carry a second column (`2008_000002 -1`).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(path, f"cannot read split list ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise DatasetError(path, "split list is not UTF-8 text") from None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if words and not words[0].startswith("#"):
            entries.append(SplitEntry(words[0], number))
    if not entries:
        raise DatasetError(path, "split list is empty (no image ids)")
    return entries


def index_folder(folder: Path, extensions: tuple[str, ...]) -> dict[str, Path]:
    """stem → file for files with one of `extensions` (earlier extensions win a tie).

    One directory listing instead of a stat per id keeps opening a 10 000-image set fast.
    """
    rank = {ext: i for i, ext in enumerate(extensions)}
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    with os.scandir(folder) as it:
        for entry in it:
            stem, ext = os.path.splitext(entry.name)
            ext = ext.lower()
            if ext in rank and entry.is_file():
                old = found.get(stem)
                if old is None or rank[ext] < rank[old.suffix.lower()]:
                    found[stem] = Path(entry.path)
    return found


def missing_file_error(folder: Path, entry: SplitEntry, split_file: Path, extensions: tuple[str, ...], what: str) -> DatasetError:
    """The error for an id whose file is absent: names the expected file and the list line."""
    expected = folder / f"{entry.id}{extensions[0]}"
    tried = "" if len(extensions) == 1 else f" (also looked for {', '.join(extensions[1:])})"
    return DatasetError(expected, f"{what} missing{tried}; listed on line {entry.line} of {split_file}")


def match_files(entries: list[SplitEntry], split_file: Path,
                folders: list[tuple[Path, tuple[str, ...], str]]) -> list[list[Path]]:
    """For each (folder, extensions, what): the file of every entry, in entry order.

    Ids without a file raise one DatasetError naming the first file and its line in `split_file`,
    and listing every other missing one (as `verify_dataset` does for broken files), so one run
    finds them all.
    """
    indexes = [index_folder(folder, extensions) for folder, extensions, _ in folders]
    columns: list[list[Path]] = [[] for _ in folders]
    missing: list[DatasetError] = []
    for entry in entries:
        for (folder, extensions, what), index, column in zip(folders, indexes, columns):
            path = index.get(entry.id)
            if path is None:
                missing.append(missing_file_error(folder, entry, split_file, extensions, what))
            else:
                column.append(path)
    if missing:
        first, rest = missing[0], missing[1:]
        reason = first.reason
        if rest:
            listed = "\n".join(f"  {exc}" for exc in rest[: MISSING_SHOWN - 1])
            more = f"\n  … and {len(rest) - MISSING_SHOWN + 1} more" if len(rest) > MISSING_SHOWN - 1 else ""
            reason += f"\n{len(missing)} files listed in {split_file} are missing; the others:\n{listed}{more}"
        raise DatasetError(first.path, reason)
    return columns


def require_folder(path: Path) -> None:
    """DatasetError naming `path` unless it is an existing folder."""
    if not path.is_dir():
        raise DatasetError(path, "no such folder" if not path.exists() else "not a folder")
