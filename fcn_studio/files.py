"""Replacing a file atomically: what model files, checkpoints and metrics logs share.

The new content goes to a temporary `.NAME.XXXX.tmp` beside the target and is renamed over it
only once it is complete; a crash, a kill or a full disk mid-write leaves the previous file
whole. The rename is atomic on POSIX and Windows alike.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: Path) -> Iterator[str]:
    """Yield a temporary path to write; it replaces `path` when the block ends without error.

    On any error the temporary file is removed and the exception passes on (with `path` untouched).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def remove_stale_temps(path: str | Path) -> list[Path]:
    """Delete the temporary files a killed process left beside `path` (its `.NAME.*.tmp`).

    Only one process writes a run folder, so any such file is an abandoned half-write.
    """
    path = Path(path)
    stale = sorted(path.parent.glob(f".{path.name}.*.tmp")) if path.parent.is_dir() else []
    for tmp in stale:
        tmp.unlink(missing_ok=True)
    return stale
