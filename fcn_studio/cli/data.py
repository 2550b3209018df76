"""`fcn-studio data get voc2012|sbd [--to DIR]`: the paper's datasets, where `train --data` reads them."""

from __future__ import annotations

import argparse

DATASET_NAMES = ("voc2012", "sbd")
EPILOG = """\
The paper's experiment on a machine with a GPU and the internet:
  fcn-studio data get sbd --to data
  fcn-studio data get voc2012 --to data
  fcn-studio train --recipe paper --data data/benchmark_RELEASE/dataset --out runs/paper --init vgg16-caffe
  fcn-studio eval runs/paper/best.safetensors data/VOCdevkit/VOC2012 --split seg11valid
VOC 2012 comes with the paper's seg11valid.txt among its split lists.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="download PASCAL VOC 2012 or SBD into the layout training reads",
                       description="Download a dataset archive (checked by its md5, as torchvision publishes it) and "
                       "unpack it.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    get = actions.add_parser("get", help="download and unpack a dataset")
    get.add_argument("name", choices=DATASET_NAMES)
    get.add_argument("--to", default="data", metavar="DIR", help="where to unpack it (default ./data)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..app.downloads.datasets import DATASETS, get_dataset
    from ..terminal_progress import ProgressLine

    bar = ProgressLine(unit="MB")
    info = DATASETS[args.name]
    print(f"{args.name}: {info.file_name} (~{info.size_gb} GB) from {info.urls[0]}", flush=True)
    root = get_dataset(args.name, args.to, lambda p: p.total and bar(int(p.done // 1_000_000),
                                                                    max(int(p.total // 1_000_000), 1)))
    print(f"{args.name} ready: {root}")
    return 0
