"""`fcn-studio segment IMAGE... -o OUTDIR`: label PNGs (VOC palette), optionally overlays."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..engine.backend_choices import BACKENDS
from ..errors import FileProblem, OutputError, printable
from ..paths import DEFAULT_MODEL
from ..errors import CommandError
from ..images import add_max_pixels_argument

if TYPE_CHECKING:
    from ..app.batch import Outputs
    from ..engine import Segmenter

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("segment", help="segment images and write label PNGs",
                       description="Segment each IMAGE and write OUTDIR/<name>.png, a palette PNG of class indices "
                       "(<name>-2.png … for inputs that share a name).")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (any format Pillow reads)")
    p.add_argument("-m", "--model", help="model file (.safetensors, .pth, .caffemodel), shipped model name or "
                   "catalogue name (`fcn-studio models`, fetched on first use); "
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


def run(args: argparse.Namespace) -> int:
    # PyTorch and the runtimes load in open_segmenter, not with the parser: `--help` and argument errors answer at once.
    from ..app.batch import existing_outputs, plan_outputs

    if args.stitch_factor is not None and not args.shift_stitch:
        raise CommandError("--stitch-factor needs --shift-stitch")
    out = Path(args.out)
    plan = plan_outputs(args.images, out, args.overlay)
    try:
        replaced = existing_outputs(plan, out, args.overwrite)
    except OutputError as exc:
        raise CommandError(f"{exc.reason}; --overwrite replaces them, or choose another -o folder") from None
    segmenter = open_segmenter(args.model, args.device, args.precision, args.backend, args.calibrate,
                               args.shift_stitch, args.stitch_factor)
    return write_all(plan, out, segmenter, args.opacity, replaced)


def open_segmenter(model_name: str | None, device: str = "auto", precision: str = "auto", backend: str = "auto",
                   calibrate: str | None = None, shift_stitch: bool = False,
                   stitch_factor: int | None = None) -> Segmenter:
    """The Segmenter for `--model` (the shipped FCN-8s, or FCN-32s for shift-and-stitch), prepared;
    a bad option or calibration folder is a CommandError."""
    from ..data.own_images import own_images
    from ..engine import Segmenter
    from ..engine.backends.calibration import from_folder
    from ..app.model_choice import STITCH_MODEL_NAME, resolve_model

    model = resolve_model(model_name, STITCH_MODEL_NAME if shift_stitch else DEFAULT_MODEL)
    try:
        calibration = from_folder(calibrate, model) if calibrate else own_images
        segmenter = Segmenter(model, device=device, precision=precision, stitch_factor=stitch_factor,
                              upsampling="shift-stitch" if shift_stitch else "learned", backend=backend,
                              calibration=calibration)
        log.info("segmenting with %s", segmenter.prepare())
    except (ValueError, OSError, FileProblem) as exc:  # a bad option, calibration folder or image in it
        raise CommandError(str(exc)) from None
    return segmenter


def write_all(plan: list[Outputs], out: Path, segmenter: Segmenter, opacity: float, replaced: set[Path]) -> int:
    """Run the batch pipeline (`app.batch.segment_files`) with `segmenter`, a line per image on
    stdout and per failure on stderr; exit status 1 if any image failed."""
    from ..app.batch import FileWritten, read_and_predict, segment_files
    from ..app.jobs import ImageFailed

    palette = np.array(segmenter.info.palette, dtype=np.uint8)
    events = segment_files(plan, out, read_and_predict(segmenter.predict), palette, opacity)
    while True:
        try:
            event = next(events)
        except StopIteration as stop:
            done = stop.value
            break
        if isinstance(event, ImageFailed):
            print(f"fcn-studio: error: {event.message}", file=sys.stderr)
        elif isinstance(event, FileWritten):
            pred = event.prediction
            present = [segmenter.info.class_names[k] for k in np.unique(pred.labels)]
            note = f"; {pred.note}" if pred.note else ""
            again = " (replaced)" if event.outputs[0] in replaced else ""
            print(f"{printable(str(event.source))} → {printable(str(event.outputs[0]))}{again}  "
                  f"({pred.seconds * 1000:.0f} ms; {', '.join(present)}{note})")
    if done.failed:
        print(f"fcn-studio: {len(done.failed)} of {done.total} images could not be segmented", file=sys.stderr)
    return 1 if done.failed else 0
