"""`fcn-studio import-weights SRC DST`: public pytorch-fcn / Caffe weights into our own format."""

from __future__ import annotations

import argparse

from ..engine import open_model, save_model
from ..engine.registry import of_trunk
from . import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import-weights", help="convert pytorch-fcn .pth or Caffe .caffemodel weights",
                       description="Convert SRC (.pth from pytorch-fcn, .caffemodel from the reference Caffe code) "
                       "into DST, an fcn-studio .safetensors file with metadata. Nothing is downloaded.")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--arch", choices=tuple(arch.name for arch in of_trunk("vgg16")),
                   help="force the architecture (needed to tell FCN-8s at-once from FCN-8s in a .pth whose name "
                   "lacks 'atonce')")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.dst.endswith(".safetensors"):
        raise CommandError(f"{args.dst}: the destination must end in .safetensors")
    model = open_model(args.src, args.arch)
    path = save_model(model, args.dst)
    print(f"{args.src} → {path} ({model.info.arch}, {model.info.num_classes} classes, input {model.info.input.channel_order})")
    return 0
