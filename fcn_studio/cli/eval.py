"""`fcn-studio eval MODEL DATA_ROOT`: the paper's four metrics, per-class IU, boundary-band IU."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..files import write_text
from ..training.scores import DEFAULT_BAND, band_line, class_table, headline_line
from ..errors import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval", help="score a model on a dataset split (pixel acc, mean acc, mean IU, f.w. IU)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Segment every image of a split and compare with its labels, as the paper's §5 does: one "
        "confusion matrix over the whole split (void pixels ignored), then pixel accuracy, mean class "
        "accuracy, mean IU and frequency-weighted IU, plus IU per class, and IU within a band of a few "
        "pixels around true boundaries vs the interior (where the skips of FCN-16s/8s help).",
        epilog="examples:\n  fcn-studio eval models/fcn8s.safetensors data/synthetic --split val --json val.json\n"
        "  torchrun --nproc_per_node=2 -m fcn_studio eval run/best.safetensors data/voc --split seg11valid.txt")
    p.add_argument("model", metavar="MODEL", help="model file (.safetensors, .pth, .caffemodel) or shipped model name")
    p.add_argument("data", metavar="DATA_ROOT", help="dataset folder (VOC layout, SBD, or images/ + masks/)")
    p.add_argument("--split", default="val", help="split name or list file (default val)")
    p.add_argument("--json", metavar="OUT", help="also write the metrics to this JSON file")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 … (default auto)")
    p.add_argument("--band", type=int, default=DEFAULT_BAND, help=f"boundary band half-width in px (default {DEFAULT_BAND})")
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32", help="bf16 autocast is faster, "
                   "labels may differ on a few pixels (default fp32)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or class table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from ..app.model_choice import resolve_model
    from ..data.detect import open_dataset
    from ..engine.devices import resolve_device
    from ..terminal_progress import ProgressLine
    from ..training import distributed
    from ..training.evaluate import evaluate
    from ..training.events import EvalProgress

    device = resolve_device(args.device)
    model = resolve_model(args.model)
    dataset = open_dataset(args.data, args.split)
    if len(dataset) == 0:
        raise CommandError(f"{args.data}: split {args.split!r} has no images")
    if dataset.num_classes != model.num_classes:
        raise CommandError(f"{args.model} predicts {model.num_classes} classes but {args.data} has {dataset.num_classes}")
    dist = distributed.from_env(device)
    device = dist.device if dist else device  # under torchrun, this rank's GPU
    main = distributed.is_main(dist)
    bar = ProgressLine("images") if main and not args.quiet else None
    try:
        metrics = evaluate(model.to(device), dataset, device,
                           args.band, torch.bfloat16 if args.precision == "bf16" else None,
                           on_event=lambda e: bar(e.done, e.total) if bar and isinstance(e, EvalProgress) else None,
                           dist=dist)
    finally:
        distributed.shutdown(dist)
    if not main:
        return 0
    print(f"{Path(args.model).name} on {args.data} ({args.split}, {metrics['images']} images)")
    print(headline_line(metrics))
    print(band_line(metrics))
    if not args.quiet:
        print(class_table(metrics))
    if args.json:
        write_json(metrics, args.json)
    return 0


def write_json(metrics: dict, path: str) -> None:
    """Keys pixel_acc, mean_acc, mean_iu, fwiu, iu (+ boundary, interior); undefined IU → null."""
    from ..training.run_folder import json_safe

    write_text(path, json.dumps(json_safe(metrics), indent=2) + "\n", "metrics JSON")
