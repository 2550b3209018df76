"""One process per run folder: an exclusive lock on RUN/.lock, held while a run trains.

Two `train --out SAME` started together would both pass the "already holds a run" check and then
write every checkpoint and metrics record twice. The lock (fcntl.flock on POSIX, msvcrt on
Windows) makes the check and the first write one step, and the kernel releases it when the
process exits or dies, so a killed run never leaves its folder locked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import RecipeError, printable

LOCK = ".lock"

try:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
except ImportError:  # Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False


@contextmanager
def run_lock(run_dir: str | Path) -> Iterator[Path]:
    """Hold RUN/.lock for the block; RecipeError "RUN is in use by process N" if another holds it."""
    run_dir = Path(run_dir)
    path = run_dir / LOCK
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise RecipeError(run_dir, f"cannot use this folder for a run ({exc.strerror or exc})") from None
    try:
        if not _try_lock(fd):
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            raise RecipeError(None, f"{printable(str(run_dir))} is in use by process {holder} (another training run); "
                              "wait for it to finish or stop it, or choose another folder")
        try:  # who holds it, for the message of the next one; the lock works without it (a full disk)
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass
        yield path
    finally:
        os.close(fd)
