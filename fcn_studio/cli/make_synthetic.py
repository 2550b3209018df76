"""`fcn-studio make-synthetic OUT --n N --size S --seed K`: write a synthetic scene set (VOC layout)."""

from __future__ import annotations

import argparse
import time

from ..data.synthetic.classes import class_table
from ..errors import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("make-synthetic", help="write a synthetic segmentation set (VOC layout)",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Write N synthetic scenes to OUT in the PASCAL VOC layout (JPEGImages/, "
                       "SegmentationClass/ palette PNGs with 255 void bands, ImageSets/Segmentation/{train,val}.txt, "
                       "classes.json). The same seed always writes the same files. Classes:\n\n" + class_table())
    p.add_argument("out", metavar="OUT", help="folder to create (must be empty or absent unless --force)")
    p.add_argument("--n", type=int, default=1000, help="number of scenes (default 1000)")
    p.add_argument("--size", type=int, default=128, help="side of the square images in px (default 128)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--val-fraction", type=float, default=0.2, help="share of scenes listed in val.txt (default 0.2)")
    p.add_argument("--force", action="store_true", help="replace the data of an existing set in OUT")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise CommandError(f"--n must be at least 1, got {args.n}")
    if args.size < 16:
        raise CommandError(f"--size must be at least 16 px, got {args.size}")
    if not 0 <= args.val_fraction < 1:
        raise CommandError(f"--val-fraction must be in [0, 1), got {args.val_fraction}")
    if args.seed < 0:
        raise CommandError(f"--seed must be 0 or more, got {args.seed}")
    from ..data.synthetic import make_synthetic
    from ..terminal_progress import ProgressLine

    start = time.perf_counter()
    try:
        out = make_synthetic(args.out, args.n, args.size, args.seed, args.val_fraction,
                             progress=ProgressLine("scenes"), overwrite=args.force)
    except FileExistsError as exc:
        raise CommandError(f"{exc} (use --force to replace it)") from None
    except OSError as exc:
        raise CommandError(f"{exc.filename or args.out}: {exc.strerror or exc}") from None
    print(f"wrote {args.n} scenes of {args.size}×{args.size} px to {out} in {time.perf_counter() - start:.1f} s")
    return 0
