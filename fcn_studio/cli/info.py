"""`fcn-studio info MODEL`: what a model file is, without running it."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="describe a model file", description="Print a model file's architecture, "
                       "classes, input convention, recipe and metrics.")
    p.add_argument("model", help="model file (.safetensors, .pth, .caffemodel) or shipped model name")
    p.add_argument("--json", action="store_true", help="print the metadata as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..app.model_choice import resolve_model

    model = resolve_model(args.model)
    info = model.info
    if args.json:
        print(json.dumps(info.to_json(), indent=2))
        return 0
    params = sum(p.numel() for p in model.parameters())
    print(f"architecture : {info.arch} (output stride {model.stride}), width {info.width:g}, {params:,} parameters")
    print(f"input        : {info.input.channel_order}, scale {info.input.scale:g}, mean {tuple(round(m, 3) for m in info.input.mean)}, "
          f"std {tuple(round(s, 3) for s in info.input.std)}")
    print(f"classes ({info.num_classes}): {', '.join(info.class_names)}")
    for key, value in {**info.notes, **({"recipe": info.recipe} if info.recipe else {})}.items():
        print(f"{key:13}: {value}")
    for key in ("pixel_acc", "mean_acc", "mean_iu", "fwiu"):
        if key in info.metrics:
            print(f"{key:13}: {100 * info.metrics[key]:.1f}")
    return 0
