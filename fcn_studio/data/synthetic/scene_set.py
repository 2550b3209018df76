"""The numbers that name one synthetic set, for the release file and the experiments.

A module of its own, free of PyTorch and NumPy, so that the command line can show a set's
defaults (`fcn-studio experiment --help`) without loading either.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SceneSet:
    """`make_synthetic(n, size, seed, val_fraction)`: the same numbers always give the same files."""

    n: int
    size: int
    seed: int
    val_fraction: float = 0.0
