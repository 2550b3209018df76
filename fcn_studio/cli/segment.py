"""`fcn-studio segment IMAGE... -o OUTDIR`: label PNGs (VOC palette), optionally overlays."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
from ..errors import FileProblem, OutputError, printable
from ..images import load_image, save_image
from ..palette import colorize, save_label_png
from ..engine.backend_choices import BACKENDS
from ..paths import DEFAULT_MODEL
from . import CommandError, add_max_pixels_argument

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("segment", help="segment images and write label PNGs",
                       description="Segment each IMAGE and write OUTDIR/<name>.png, a palette PNG of class indices "
                       "(<name>-2.png … for inputs that share a name).")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (any format Pillow reads)")
    p.add_argument("-m", "--model", help="model file (.safetensors, .pth, .caffemodel) or shipped model name; "
                   "default: the shipped FCN-8s")
    p.add_argument("-o", "--out", default="segmented", help="output folder (default: ./segmented)")
    p.add_argument("--overlay", action="store_true", help="also write <name>_overlay.png, the colours over the image")
    p.add_argument("--opacity", type=float, default=0.5, help="overlay opacity 0..1 (default 0.5)")
    p.add_argument("--overwrite", action="store_true", help="replace output files that exist already "
                   "(default: refuse before segmenting anything); inputs sharing a name get <name>-2.png …")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 … (default auto)")
    p.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"),
                   help="auto: this CPU's fastest path, a gated int8 model included; fp32: float32 only")
    p.add_argument("--backend", default="auto", choices=BACKENDS,
                   help="auto (per CPU, see README 'Performance'), torch (PyTorch's exact arithmetic), "
                   "onnxruntime, openvino (needs the [openvino] extra)")
    p.add_argument("--calibrate", metavar="DIR",
                   help="images of the model's own kind for an int8 model (half calibrate, half check); it is used "
                   "only if its labels agree with fp32 on ≥ 99.5 %% of the checked pixels and it is faster")
    p.add_argument("--shift-stitch", action="store_true",
                   help="upsample a 32s net by shift-and-stitch (CVPR §3.2) instead of its bilinear deconvolution; "
                   "default model: the shipped FCN-32s")
    p.add_argument("--stitch-factor", type=int, metavar="F",
                   help="stitch F× denser (F² passes; 2, 4, 8, 16 or 32) and interpolate the rest "
                   "(default 32: every pixel its own prediction, 1024 passes)")
    add_max_pixels_argument(p)
    p.set_defaults(func=run)


def overlay(rgb: np.ndarray, colours: np.ndarray, opacity: float) -> np.ndarray:
    return (rgb.astype(np.float32) * (1 - opacity) + colours.astype(np.float32) * opacity).round().astype(np.uint8)


def run(args: argparse.Namespace) -> int:
    # PyTorch and the runtimes load here, not with the parser: `--help` and argument errors answer at once.
    from ..app.catalog import STITCH_MODEL_NAME, open_named
    from ..data.synthetic.calibration import own_scenes
    from ..engine import Segmenter
    from ..engine.backends.calibration import from_folder
    from ..engine.memory import OutOfMemory

    if args.stitch_factor is not None and not args.shift_stitch:
        raise CommandError("--stitch-factor needs --shift-stitch")
    out = Path(args.out)
    targets = output_names(args.images, out, args.overlay)
    replaced = [t for names in targets.values() for t in names if t.exists()]
    if replaced and not getattr(args, "overwrite", False):
        shown = ", ".join(printable(str(t)) for t in replaced[:3]) + (" …" if len(replaced) > 3 else "")
        raise CommandError(f"{len(replaced)} output file(s) exist already ({shown}); --overwrite replaces them, "
                           "or choose another -o folder")
    model = open_named(args.model, STITCH_MODEL_NAME if args.shift_stitch else DEFAULT_MODEL)
    try:
        calibration = from_folder(args.calibrate, model) if args.calibrate else own_scenes
        segmenter = Segmenter(model, device=args.device, precision=args.precision, stitch_factor=args.stitch_factor,
                              upsampling="shift-stitch" if args.shift_stitch else "learned", backend=args.backend,
                              calibration=calibration)
        log.info("segmenting with %s", segmenter.prepare())
    except (ValueError, OSError, FileProblem) as exc:  # a bad option, calibration folder or image in it
        raise CommandError(str(exc)) from None
    palette = np.array(segmenter.info.palette, dtype=np.uint8)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(out, f"cannot use this as the output folder ({exc.strerror or exc})") from None
    failures = 0
    for name, written in targets.items():
        try:
            rgb = load_image(name)
            pred = segmenter.predict(rgb)
            save_label_png(pred.labels, written[0], palette)
            if args.overlay:
                save_image(overlay(rgb, colorize(pred.labels, palette), args.opacity), written[1], "overlay")
        except (FileProblem, OutOfMemory) as exc:
            # One bad image (or a full disk) must not cost the others of the batch.
            message = str(exc) if isinstance(exc, FileProblem) else f"{printable(name)}: {exc}"
            print(f"fcn-studio: error: {message}", file=sys.stderr)
            failures += 1
            continue
        present = [segmenter.info.class_names[k] for k in np.unique(pred.labels)]
        note = f"; {pred.note}" if pred.note else ""
        again = " (replaced)" if written[0] in replaced else ""
        print(f"{printable(name)} → {printable(str(written[0]))}{again}  ({pred.seconds * 1000:.0f} ms; "
              f"{', '.join(present)}{note})")
    if failures:
        print(f"fcn-studio: {failures} of {len(args.images)} images could not be segmented", file=sys.stderr)
    return 1 if failures else 0


def output_names(images: list[str], out: Path, overlay: bool) -> dict[str, list[Path]]:
    """Input → its output files (labels, then overlay): `OUT/<stem>.png`, and where two inputs share
    a stem (a/x.png, b/x.png, x.jpg) the later ones `<stem>-2.png`, `<stem>-3.png`, so no result
    overwrites another. The same input given twice is segmented once."""
    taken: set[str] = set()
    names: dict[str, list[Path]] = {}
    for image in images:
        if image in names:
            continue
        stem = Path(image).stem
        base, n = stem, 1
        while {base, f"{base}_overlay"} & taken:
            n += 1
            base = f"{stem}-{n}"
        taken.update({base, f"{base}_overlay"})
        names[image] = [out / f"{base}.png"] + ([out / f"{base}_overlay.png"] if overlay else [])
    return names
