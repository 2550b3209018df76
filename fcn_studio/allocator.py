"""The process keeps the memory it frees, so an eager forward does not page-fault its way through.

glibc gives a large allocation its own pages from the kernel and returns the heap's free top once
it passes a trim threshold; both thresholds move with what the process has freed so far, so
whether a forward's activation buffers came back as fresh pages (each a page fault and a zeroed
page) depended on the process's past: the shipped FCN-8s at 192² took 5,900 minor faults and
35–40 ms per plain fp32 forward in one process, none and 22–26 ms in another (AMD EPYC, 2 threads).
Fixed thresholds (allocations up to 32 MiB from the heap, glibc's own ceiling for its moving
one; 512 MiB of free heap kept) give every process the fast case, for PyTorch's own paths and the
benchmark's plain baseline alike. Only the command line (the app and each subcommand) asks for it:
a program that imports fcn_studio keeps its allocator as it set it.
"""

from __future__ import annotations

import ctypes
import logging
import platform

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 512 << 20


def keep_freed_memory() -> bool:
    """Set glibc's thresholds; True where it took them (False on another C library or system)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(None)
    done = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    if not done:
        log.debug("glibc refused the allocator thresholds")
    return done
