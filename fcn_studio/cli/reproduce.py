"""`fcn-studio reproduce RELEASE`: make the data and train, score and export the shipped models."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from ..paths import models_dir
from ..training.events import CancelToken
from ..errors import CommandError
from .train import TrainPrinter, first_interrupt_cancels


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reproduce", help="train the shipped models from their release recipe (data, stages, test scores, export)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write the synthetic training and held-out test scenes, train each model of the release "
        "file in order (FCN-32s-fixed, FCN-32s, FCN-16s from 32s, FCN-8s from 16s for recipes/shipped.toml), "
        "score each on the test scenes and write it, fp16 with its metrics, to the models folder. "
        "Interrupted? Run the same command again: finished models are kept, the current one resumes.",
        epilog="examples:\n  fcn-studio reproduce recipes/shipped.toml --out runs/shipped\n"
        "  fcn-studio reproduce recipes/shipped.toml --out runs/check --models runs/check/models")
    p.add_argument("release", metavar="RELEASE", help="release file (TOML), e.g. recipes/shipped.toml")
    p.add_argument("--out", metavar="RUN", required=True, help="folder for data, runs and results.md")
    p.add_argument("--models", metavar="DIR", default=None,
                   help=f"where to write the models (default: the app's models folder, {models_dir()})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..training.release import RESULTS_TABLE, load_release, run_release

    cancel = CancelToken()
    printer = TrainPrinter()
    previous = signal.signal(signal.SIGINT, first_interrupt_cancels(cancel))
    try:
        release = load_release(args.release)
        rows = run_release(release, args.out, args.models or models_dir(), printer, cancel,
                           on_step=lambda name: print(f"\n== {name} ==", flush=True))
    except (ValueError, OSError) as exc:  # FileProblems reach the top level, which prints them alike
        raise CommandError(str(exc)) from None
    finally:
        signal.signal(signal.SIGINT, previous)
    print()
    print((Path(args.out) / RESULTS_TABLE).read_text(encoding="utf-8"))
    print(f"{len(rows)} models written to {args.models or models_dir()}")
    return 0
