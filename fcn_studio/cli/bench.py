"""`fcn-studio bench`: the speed and memory figures of this machine, as ratios from one run."""

from __future__ import annotations

import argparse

from ..errors import FileProblem
from ..errors import CommandError


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
    p.add_argument("--backends", action="store_true",
                   help="run only the backend comparison: plain fp32 eager, the default path, ONNX Runtime, "
                   "OpenVINO (if installed) and int8, on random and on the shipped trained weights, and under load")
    p.add_argument("--scenes-model", action="store_true",
                   help="run only the backend comparison at --size on two full-width FCN-8s with their own images, "
                   "so that bf16 and int8 are gated on them as the app does: the shipped FCN-8s widened (the "
                   "same function) and one whose score layers learn synthetic scenes over a random trunk (a "
                   "few minutes the first time, kept in the cache folder)")
    p.add_argument("--startup", action="store_true",
                   help="run only the command line's start-up: --help, an argument error and segment's time to its "
                   "first image beside the forward, in whole processes, with their peak memory")
    stitch = p.add_argument_group("shift-and-stitch vs learned upsampling (CVPR §3.2)")
    stitch.add_argument("--upsampling", action="store_true",
                        help="run only this comparison: mean IU and time per image of an FCN-32s with its learned "
                        "upsampling and with shift-and-stitch, same weights and images")
    stitch.add_argument("--stitch-model", help="the FCN-32s file to compare (default: --model if it is a 32s net, "
                        "else the shipped models/fcn32s.safetensors)")
    stitch.add_argument("--data", help="score on this dataset's val split (default: held-out synthetic scenes)")
    stitch.add_argument("--images", type=int, help="synthetic scenes to score (default 20)")
    stitch.add_argument("--image-size", type=int, help="synthetic scene size in px (default 128)")
    stitch.add_argument("--factors",
                        help="stitch factors, comma-separated (default 2,4,8; 32 is every pixel, 1024 passes)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..benchmarks.report import BenchConfig, backend_sections, format_report, machine, run_suite, upsampling_sections

    cfg = BenchConfig.quick() if args.quick else BenchConfig()
    for key in ("width", "size", "repeat"):
        if getattr(args, key) is not None:
            setattr(cfg, key, getattr(args, key))
    cfg.device = args.device
    cfg.model = args.model
    cfg.tiling = not args.no_tiling
    cfg.stitch_model, cfg.stitch_data = args.stitch_model, args.data
    if args.images is not None:
        cfg.stitch_images = args.images
    if args.image_size is not None:
        cfg.stitch_size = args.image_size
    if args.factors:
        try:
            cfg.accuracy_factors = tuple(int(f) for f in args.factors.split(","))
        except ValueError:
            raise CommandError(f"--factors takes whole numbers separated by commas, got {args.factors!r}") from None
    try:
        if args.startup:  # measured from a fresh interpreter (startup_rows), whatever this one loaded
            from ..benchmarks.startup import TITLE, startup_rows

            sections = {TITLE: startup_rows(cfg.repeat, args.model)}
        elif args.scenes_model:
            from ..benchmarks.full_width import full_width_sections, model_file, widened_shipped
            from ..engine import open_model
            from ..engine.backends.cache import cache_dir

            trained = open_model(model_file(cache_dir() / "bench" / "full-width-scenes"))
            sections = full_width_sections([widened_shipped(), trained], cfg.size, repeat=cfg.repeat)
        elif args.upsampling:
            sections = upsampling_sections(cfg)
        else:
            sections = backend_sections(cfg) if args.backends else run_suite(cfg)
    except (FileProblem, ValueError) as exc:
        raise CommandError(str(exc)) from None
    print(format_report(sections, machine()))
    return 0
