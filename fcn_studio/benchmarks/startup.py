"""How long the command line makes a user wait before it works (issue 30): `python -m
fcn_studio.benchmarks.startup [--repeat N] [--model M] [--image IMG]`, or `fcn-studio bench --startup`.

Whole processes, started as a user starts them, so every import counts: `--help`, a subcommand's
`--help`, an argument error, and `segment` on one image. A child's wall time runs from its start to
its exit; its peak memory is its own maximum resident set (wait4's rusage). For `segment`, the
time to the first image is set beside the forward itself (the time `segment` prints for the image),
and their difference is what the command spends before it can segment: interpreter, imports, model
file, runtime. Ratios are against `python -c pass` on the same machine, runs interleaved, medians.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SEGMENT_LINE = re.compile(r"\((\d+) ms;")  # `segment`'s line per image: "a.png → out/a.png  (412 ms; …)"
PATH_LINE = re.compile(r"segmenting with (.+)$", re.MULTILINE)


@dataclass
class Run:
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str


def run_process(argv: list[str]) -> Run:
    """One child to its exit: wall seconds, its own peak resident memory, and what it printed."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, out.read(), err.read())  # ru_maxrss: KiB on Linux


def cases(image: Path, out: Path, model: str | None) -> dict[str, list[str]]:
    cli = [sys.executable, "-m", "fcn_studio"]
    segment = [*cli, "segment", str(image), "-o", str(out), "--overwrite"] + (["-m", model] if model else [])
    return {
        "python -c pass (the interpreter alone)": [sys.executable, "-c", "pass"],
        "fcn-studio --help": [*cli, "--help"],
        "fcn-studio segment --help": [*cli, "segment", "--help"],
        "fcn-studio segment IMG --backend nope (an error)": [*cli, "segment", str(image), "--backend", "nope"],
        "fcn-studio segment IMG: to its first image": segment,
    }


def startup_rows(repeat: int = 5, model: str | None = None, image: str | Path | None = None) -> list:
    """The cases measured from a fresh interpreter that has loaded nothing heavy: a child starts with
    its parent's peak memory on Linux (fork copies it), so a parent holding PyTorch would inflate
    every child's figure by its own hundreds of MB."""
    from fcn_studio.paths import sample_images

    from .inference import Row

    if image is None:
        samples = sample_images()
        if not samples:
            raise ValueError("no sample image shipped to segment; pass --image")
        image = samples[0]
    command = [sys.executable, "-m", __spec__.name, "--json", "--repeat", str(repeat)]  # also when run as __main__
    command += ["--image", str(image)] + (["--model", model] if model else [])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise ValueError((done.stderr.strip().splitlines() or ["the start-up measurement failed"])[-1])
    return [Row(**row) for row in json.loads(done.stdout)]


def measure(repeat: int, model: str | None, image: str | Path) -> list[dict]:
    """Each case `repeat` times, interleaved, after one untimed `segment` (it may export the model
    to the runtime's cache once: a first run, not a start-up). Rows as dicts (name, seconds, ratio, note).
    Run it from an interpreter that imported nothing but the standard library: each child's peak
    starts at this process's."""
    if "torch" in sys.modules:
        raise RuntimeError("measure() must run in an interpreter without PyTorch loaded (see startup_rows)")
    with tempfile.TemporaryDirectory() as tmp:
        argv = cases(Path(image), Path(tmp), model)
        warm = run_process(argv["fcn-studio segment IMG: to its first image"])
        if not SEGMENT_LINE.search(warm.stdout):
            raise ValueError(f"segment failed: {(warm.stderr or warm.stdout).strip()[-400:]}")
        runs: dict[str, list[Run]] = {name: [] for name in argv}
        for _ in range(repeat):
            for name, command in argv.items():
                runs[name].append(run_process(command))
    floor = statistics.median(r.seconds for r in runs["python -c pass (the interpreter alone)"])
    rows = []
    for name, done in runs.items():
        seconds = statistics.median(r.seconds for r in done)
        rows.append({"name": name, "seconds": seconds, "ratio": seconds / floor,
                     "note": f"peak {max(r.peak_mb for r in done):.0f} MB"})
    segmented = runs["fcn-studio segment IMG: to its first image"]
    forward = statistics.median(float(SEGMENT_LINE.search(r.stdout).group(1)) / 1000 for r in segmented)
    first = rows[-1]["seconds"]
    path = PATH_LINE.search(segmented[-1].stderr)
    rows[-1]["note"] += f"; {1000 * (first - forward):.0f} ms of it before the forward ({100 * (first - forward) / first:.0f} %)"
    rows.append({"name": "  of which the forward itself", "seconds": forward, "ratio": forward / floor,
                 "note": f"as segment reports it; path: {path.group(1) if path else 'not logged'}"})
    return rows


TITLE = "command-line start-up (whole processes; ratio vs the bare interpreter)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fcn_studio.benchmarks.startup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each case (median; default 5)")
    parser.add_argument("--model", help="model for `segment` (default: the shipped FCN-8s)")
    parser.add_argument("--image", help="image for `segment` (default: the first shipped sample)")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # startup_rows' child
    args = parser.parse_args(argv)
    if args.json and args.image:
        print(json.dumps(measure(args.repeat, args.model, args.image)))
        return 0
    rows = startup_rows(args.repeat, args.model, args.image)
    from .report import format_report, machine

    print(format_report({TITLE: rows}, machine()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
