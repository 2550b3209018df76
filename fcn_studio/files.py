"""Replacing a file atomically: what model files, checkpoints and metrics logs share.

The new content goes to a temporary `.NAME.XXXX.tmp` beside the target and is renamed over it
only once it is complete; a crash, a kill or a full disk mid-write leaves the previous file
whole. The rename is atomic on POSIX and Windows alike.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError


@contextmanager
def replacing(path: Path) -> Iterator[str]:
    """Yield a temporary path to write; it replaces `path` when the block ends without error, with an
    ordinary file's permissions (mkstemp makes 0600, which would hide a model or a mask from the
    other users of a shared folder).

    On any error the temporary file is removed and the exception passes on (with `path` untouched).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_file(path: str | Path, write: Callable[[str], object], what: str = "file") -> Path:
    """Write `path` through `replacing`.

    Any OSError (a full disk, a read-only folder, a file where the folder should be) becomes an
    OutputError naming `path`; as with `replacing`, no 0-byte or partial file is ever left.
    """
    path = Path(path)
    existed = path.is_file()
    try:
        with replacing(path) as tmp:
            write(tmp)
    except OSError as exc:
        kept = "the previous file is untouched" if existed else "nothing was written"
        raise OutputError(path, f"could not write the {what} ({exc.strerror or exc}); {kept}") from exc
    return path


def unique_name(stem: str, taken: Callable[[str], bool] | Container[str]) -> str:
    """`stem`, or the first of `stem-2`, `stem-3`, … that is not taken: two inputs named alike
    (a/x.png and b/x.png, x.png and x.jpg) never write over each other's result. `taken` is a
    set of names or a test of one (a name may stand for several files: labels and overlay)."""
    is_taken = taken if callable(taken) else taken.__contains__
    name, n = stem, 1
    while is_taken(name):
        n += 1
        name = f"{stem}-{n}"
    return name


def write_text(path: str | Path, text: str, what: str = "file") -> Path:
    """`write_file` for UTF-8 text (JSON, TOML, Markdown, split lists)."""
    return write_file(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), what)


def current_umask() -> int:
    """The process umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def remove_stale_temps(path: str | Path) -> list[Path]:
    """Delete the temporary files a killed process left beside `path` (its `.NAME.*.tmp`).

    Only one process writes a run folder, so any such file is an abandoned half-write.
    """
    path = Path(path)
    stale = sorted(path.parent.glob(f".{path.name}.*.tmp")) if path.parent.is_dir() else []
    for tmp in stale:
        tmp.unlink(missing_ok=True)
    return stale
