"""`auto` on a CPU: the fastest correct path, measured here, for this model, once.

No rule written on one CPU stays right on the next (PyTorch bf16 led on one AVX-512 BF16 CPU and
trailed OpenVINO's int8 and bf16 by 2–4× on another), so every path this CPU and this install can
run is a candidate: PyTorch fp32 / bf16 (native bf16 only), ONNX Runtime fp32 / int8, OpenVINO
fp32 / bf16 (native bf16 only) / int8. Exact paths (fp32) need no gate; a reduced precision must
first keep `AGREEMENT_BAR` of the fp32 labels on the model's own held-out images (no own images:
no reduced precision). The passing ones are timed, interleaved, and the fastest (by its best round) serves. The
verdict is kept on disk keyed by what it depends on (the weights, the CPU model and flags, the
thread count, the library versions, the images that gated it), so it is measured once per model
and machine, and again when any of those changes — or when other programs kept the machine busy
while it was timed (`load.py`; up to `BUSY_TRIES` times). While it is measured the app segments with
the CPU class's first guess (`cpu.auto_backend`).
"""

from __future__ import annotations

import logging
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from .cache import read_json, write_json
from .cpu import cpu_description
from .export import ExportError
from . import int8, load

log = logging.getLogger(__name__)

PROBE_SIZE = 224
REPEAT = 7
# Bump when what is measured or how changes, so verdicts of the old way are measured again.
# 2: candidates compared by their fastest round, not their median.
# 3: each timed call follows an untimed one of the same path (`interleaved`'s settle).
# 4: bf16 and int8 made from the graph without Winograd layers.
# 5: the command line keeps freed memory (allocator.py): PyTorch's paths no longer page-fault.
MEASURE_FORMAT = 5
LIBRARIES = ("torch", "onnxruntime", "openvino")
# A verdict timed while other programs kept more than this share of the machine's CPU busy serves
# its session only and is measured again at the next start, up to BUSY_TRIES times (a machine that
# is always busy keeps its last).
BUSY_SHARE = 0.25
BUSY_TRIES = 3
# A candidate that can't be built here (an export the runtime rejects, a precision it lacks).
UNAVAILABLE = (ExportError, RuntimeError, OSError, ValueError)


class Runner(Protocol):
    name: str

    def run(self, x: np.ndarray, names: list[str] | None = None) -> dict[str, np.ndarray]: ...


@dataclass
class Candidate:
    """One way to run the model: "openvino int8", whether its arithmetic is fp32, how to build it."""

    name: str
    exact: bool
    build: Callable[[], Runner]


@dataclass
class Choice:
    name: str
    runner: Runner
    note: str  # why, in words: the timings, and what was refused


def library_versions() -> dict[str, str]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def machine_tag(weights: str, calibration: str | None, names: list[str]) -> dict[str, Any]:
    """What a verdict depends on: a stored one whose tag differs is measured again."""
    return {"format": MEASURE_FORMAT, "weights": weights, "cpu": cpu_description(), "threads": torch.get_num_threads(),
            "versions": library_versions(), "calibration": calibration, "candidates": names}


def interleaved(fns: dict[str, Callable[[], object]], repeat: int,
                statistic: Callable[[list[float]], float] = statistics.median, settle: int = 1) -> dict[str, float]:
    """Median (or `statistic`) seconds of each function over `repeat` rounds after one untimed
    round (warm-up: allocations, kernel selection), in a new order each round (shuffled, seeded),
    each timed call right after `settle` untimed calls of the same function. The order changes
    because right after an eager PyTorch forward its OpenMP threads still spin for a while, which
    costs whichever path follows it; the settling calls because the first call after another
    runtime's pays for the switch (its threads asleep, its weights out of cache), which no real use
    does — the app and the CLI run one path over and over — and which varied by ±40 % from run to
    run with nine paths in one process (the shipped FCN-8s's OpenVINO int8 took 6 ms in one row and
    9 ms in the next)."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    shuffle = random.Random(0).shuffle
    for round_ in range(repeat + 1):
        names = list(fns)
        shuffle(names)
        for name in names:
            for _ in range(settle if round_ else 0):
                fns[name]()
            start = time.perf_counter()
            fns[name]()
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: statistic(t) for name, t in times.items()}


def logits_of(runner: Runner) -> Callable[[np.ndarray], np.ndarray]:
    return lambda x: runner.run(x, ["logits"])["logits"]


def choose(candidates: list[Candidate], held_out: list[np.ndarray] | None, record: Path, tag: dict[str, Any],
           repeat: int = REPEAT) -> Choice:
    """The fastest of `candidates` that builds and passes the gate on `held_out`, as stored in
    `record` when its tag is `tag`, else measured now and stored — provisionally where other
    programs kept the machine busy meanwhile (`load.py`): then the next call measures again. The
    first candidate must be exact: it is the reference the others' labels are compared with."""
    by_name = {c.name: c for c in candidates}
    stored = read_json(record) or {}
    same = stored.get("tag") == tag
    tries = stored.get("tries") if same and stored.get("provisional") else 0  # busy measurements so far
    tries = tries if isinstance(tries, int) and tries >= 0 else 1  # a damaged count: one try
    if same and not tries and stored.get("winner") in by_name:
        try:
            return Choice(stored["winner"], by_name[stored["winner"]].build(), str(stored.get("note", "")))
        except UNAVAILABLE as exc:
            log.warning("%s no longer builds (%s); measuring again", stored["winner"], exc)
    log.info("measuring %s on this CPU for this model (%s; the verdict is kept in %s)", ", ".join(by_name),
             "again: the last time the machine was busy" if tries else "once", record.parent)
    built: dict[str, Runner] = {}
    refused: dict[str, str] = {}
    for c in candidates:
        try:
            built[c.name] = c.build()
        except UNAVAILABLE as exc:
            refused[c.name] = f"unavailable: {' '.join(str(exc).split())[:200]}"
    reference_name = candidates[0].name
    if not candidates[0].exact or reference_name not in built:
        raise ValueError(f"the first candidate must be an exact path that builds, got {reference_name}")
    gates: dict[str, float] = {}
    if held_out:
        reference = [logits_of(built[reference_name])(x).argmax(1) for x in held_out]
    for c in candidates:
        if c.exact or c.name not in built:
            continue
        if not held_out:
            refused[c.name] = "no own images to check its labels on"
            continue
        share, worst = int8.agreement(reference, logits_of(built[c.name]), held_out)
        if share < int8.AGREEMENT_BAR:
            refused[c.name] = f"{100 * share:.2f} % of fp32 labels, below the {100 * int8.AGREEMENT_BAR:.1f} % bar"
        else:
            gates[c.name] = share
    passing = [c.name for c in candidates if c.name in built and c.name not in refused]
    probe = np.random.default_rng(0).standard_normal((1, 3, PROBE_SIZE, PROBE_SIZE), dtype=np.float32)
    # The fastest round of each: on a shared machine other work only ever adds time, and a busy
    # round must not decide (on a loaded 2-core machine, medians ranked the shipped FCN-8s's int8 and
    # fp32 runtimes one way in the verdict and the other way in the benchmark run right after).
    start = load.snapshot()
    seconds = interleaved({name: (lambda f=logits_of(built[name]): f(probe)) for name in passing}, repeat, min)
    busy = load.others_share(start)
    winner = min(passing, key=seconds.__getitem__)
    note = describe(winner, seconds, gates, refused, len(held_out or []))
    provisional = busy is not None and busy > BUSY_SHARE and tries + 1 < BUSY_TRIES
    if provisional:
        note += f"; other programs kept {100 * (busy or 0):.0f} % of the CPU busy meanwhile: measured again next time"
    write_json(record, {"tag": tag, "winner": winner, "note": note, "seconds": seconds, "agreement": gates,
                        "refused": refused, "others_busy": busy, "provisional": provisional, "tries": tries + 1})
    log.info("%s: %s", winner, note)
    return Choice(winner, built[winner], note)


def describe(winner: str, seconds: dict[str, float], gates: dict[str, float], refused: dict[str, str],
             images: int) -> str:
    """The verdict in words, for the log line and `Segmenter.path`."""
    ms = 1000 * seconds[winner]
    others = ", ".join(f"{name} {1000 * t:.0f} ms" for name, t in sorted(seconds.items(), key=lambda kv: kv[1])
                       if name != winner)
    labels = f"; {100 * gates[winner]:.2f} % of fp32 labels on {images} held-out image{'s' * (images != 1)}" if winner in gates else ""
    out = f"measured fastest here: {ms:.0f} ms at {PROBE_SIZE}²" + (f" (then {others})" if others else "") + labels
    return out + ("; refused: " + "; ".join(f"{name} ({why})" for name, why in refused.items()) if refused else "")
