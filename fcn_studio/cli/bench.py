"""`fcn-studio bench`: the speed and memory figures of this machine, as ratios from one run."""

from __future__ import annotations

import argparse

from ..bench.report import BenchConfig, format_report, machine, run_suite


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure inference speed, precision paths, tiling memory",
                       description="Time the plain float32 forward against every Segmenter path on the same "
                       "weights, count FLOPs and compare with this machine's matmul peak, compare dense with "
                       "patch-by-patch inference, three heads with one, and measure the peak memory of a "
                       "4000×3000 photo. Takes a few minutes at full width; --quick takes seconds.")
    p.add_argument("--quick", action="store_true", help="compact width and small images (a smoke run)")
    p.add_argument("--width", type=float, help="model width (default 1.0, the paper's VGG16)")
    p.add_argument("--size", type=int, help="square input size (default 500)")
    p.add_argument("--repeat", type=int, help="timed repetitions per figure (median; default 3)")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--model", help="trained weights for the label-agreement figures (default: random scores)")
    p.add_argument("--no-tiling", action="store_true", help="skip the large-photo memory measurement")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cfg = BenchConfig.quick() if args.quick else BenchConfig()
    for key in ("width", "size", "repeat"):
        if getattr(args, key) is not None:
            setattr(cfg, key, getattr(args, key))
    cfg.device = args.device
    cfg.model = args.model
    cfg.tiling = not args.no_tiling
    print(format_report(run_suite(cfg), machine()))
    return 0
