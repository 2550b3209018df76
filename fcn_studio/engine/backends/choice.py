"""Between two fp32 runtimes, the one measured faster on this CPU, for this model.

Which of ONNX Runtime and OpenVINO wins depends on the CPU and on the net's width (OpenVINO led at
the shipped models' width on the AVX2 CPU measured; not always at the paper's), so where both are
installed `auto` times them, interleaved, on one input and keeps the faster. The verdict is stored
beside the exported model with what it depends on (CPU, threads, runtime versions): once per model.
"""

from __future__ import annotations

import logging
import statistics
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import torch

from .cache import read_json, write_json
from .cpu import cpu_description
from .runners import RUNNERS, Runner

log = logging.getLogger(__name__)

PROBE_SIZE = 224
# The first runtime named (ONNX Runtime, the core dependency) stays unless another is this much
# faster: on a busy machine two equal runtimes measure ±20 % apart, and a coin toss is no choice.
MARGIN = 1.1


def _versions(names: list[str]) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "?"
    return out


def fastest(onnx_path: Path, names: list[str], repeat: int = 3) -> tuple[Runner, str]:
    """The runner of `names` measured fastest on `onnx_path` (the first unless another beats it by
    MARGIN), and the measurement in words."""
    record = onnx_path.with_suffix(".choice.json")
    tag = {"cpu": cpu_description(), "threads": torch.get_num_threads(), "versions": _versions(names)}
    stored = read_json(record)
    if stored is not None and stored.get("tag") == tag and stored.get("winner") in names:
        return RUNNERS[stored["winner"]](onnx_path), stored["note"]
    runners = {name: RUNNERS[name](onnx_path) for name in names}
    x = np.random.default_rng(0).standard_normal((1, 3, PROBE_SIZE, PROBE_SIZE), dtype=np.float32)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeat + 1):  # the first round warms up (allocations, kernel selection)
        for name, runner in runners.items():
            start = time.perf_counter()
            runner.run(x, ["logits"])
            if round_:
                times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(t) for name, t in times.items()}
    first = names[0]
    best = min(medians, key=medians.__getitem__)
    winner = best if medians[best] * MARGIN < medians[first] else first
    others = ", ".join(f"{name} {1000 * t:.0f} ms" for name, t in medians.items() if name != winner)
    verdict = "measured faster here" if winner != first else f"kept unless another is {MARGIN:g}× faster"
    note = f"{verdict}: {1000 * medians[winner]:.0f} ms at {PROBE_SIZE}², {others}"
    write_json(record, {"tag": tag, "winner": winner, "note": note, "seconds": medians})
    log.info("%s: %s", winner, note)
    return runners[winner], note
