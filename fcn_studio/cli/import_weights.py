"""`fcn-studio import-weights SRC DST`: public pytorch-fcn / Caffe weights into our own format."""

from __future__ import annotations

import argparse

from ..engine.registry import IMPORT_ARCHES
from ..errors import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import-weights", help="convert pytorch-fcn .pth or Caffe .caffemodel weights",
                       description="Convert SRC (.pth from pytorch-fcn, .caffemodel from the reference Caffe code) "
                       "into DST, an fcn-studio .safetensors file with metadata. Nothing is downloaded.")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--arch", choices=IMPORT_ARCHES,
                   help="force the architecture (needed to tell FCN-8s at-once from FCN-8s in a .pth whose name "
                   "lacks 'atonce')")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.dst.endswith(".safetensors"):
        raise CommandError(f"{args.dst}: the destination must end in .safetensors")
    from ..app.import_job import import_weights

    print(import_weights(args.src, args.dst, args.arch).summary())
    return 0
