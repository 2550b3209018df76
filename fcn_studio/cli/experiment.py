"""`fcn-studio experiment NAME…`: the paper's §4 training experiments on synthetic scenes, as tables."""

from __future__ import annotations

import argparse
import signal
from dataclasses import replace

from ..training.events import CancelToken
from ..training.experiment_plan import ARMS, EXPERIMENTS, SCRATCH, Settings
from ..errors import CommandError
from .train import TrainPrinter, first_interrupt_cancels

EPILOG = """\
experiments:
{experiments}

examples:
  fcn-studio experiment all --out runs/experiments
  fcn-studio experiment balance fixed --out runs/experiments --updates 600
  fcn-studio experiment sampling --out runs/scratch --init scratch --updates 2000
"""


def register(sub: argparse._SubParsersAction) -> None:
    listing = "\n".join(f"  {e.name:<9} {e.title}" for e in EXPERIMENTS.values())
    p = sub.add_parser(
        "experiment", help="run the paper's §4 training experiments (loss sampling, class balance, fixed, at once)",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG.format(experiments=listing),
        description="Fine-tune the same trunk on the same synthetic scenes once per arm of each experiment and "
        "write a table per experiment (OUT/NAME.md, .json) next to the paper's statement. Arms shared by "
        "several experiments train once; finished arms are kept, so a second command reuses them.")
    p.add_argument("names", nargs="+", metavar="NAME", choices=[*EXPERIMENTS, "all"],
                   help=f"experiments to run: {', '.join(EXPERIMENTS)} or all")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the scenes, the arms and the tables")
    p.add_argument("--updates", type=int, default=Settings.updates, metavar="N",
                   help=f"updates of one budget (a multiple of 4; default {Settings.updates}); the staged and "
                   "at-once arms take 3 budgets in all, the sampled ones as many images as one")
    p.add_argument("--scenes", type=int, default=Settings.data.n, metavar="N",
                   help=f"synthetic scenes to write, a tenth of them held out for scoring (default {Settings.data.n})")
    p.add_argument("--size", type=int, default=Settings.data.size, metavar="PX",
                   help=f"scene size in pixels (default {Settings.data.size})")
    p.add_argument("--init", metavar="MODEL", default="",
                   help=f"model whose trunk every arm starts from (default: the shipped fcn32s); '{SCRATCH}' for random weights")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..training.experiments import run_experiments

    names = list(EXPERIMENTS) if "all" in args.names else list(dict.fromkeys(args.names))
    cancel = CancelToken()
    printer = TrainPrinter()
    previous = signal.signal(signal.SIGINT, first_interrupt_cancels(cancel))
    try:
        data = replace(Settings.data, n=args.scenes, size=args.size)
        settings = Settings(data=data, updates=args.updates, init=args.init)
        tables = run_experiments(names, args.out, settings, printer, cancel,
                                 on_arm=lambda key: print(f"\n== arm {key} ({ARMS[key].stage}) ==", flush=True))
    except (ValueError, OSError) as exc:  # FileProblems reach the top level, which prints them alike
        raise CommandError(str(exc)) from None
    finally:
        signal.signal(signal.SIGINT, previous)
    for table in tables.values():
        print(f"\n{table}")
    return 0
