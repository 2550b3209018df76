"""`fcn-studio segment IMAGE... -o OUTDIR`: label PNGs (VOC palette), optionally overlays."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import ImageLoadError
from ..images import load_image
from ..palette import colorize, save_label_png
from ..engine import Segmenter
from ..engine.memory import OutOfMemory
from ..app.catalog import DEFAULT_MODEL
from . import CommandError, add_max_pixels_argument
from .models import STITCH_MODEL_NAME, resolve_model

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("segment", help="segment images and write label PNGs",
                       description="Segment each IMAGE and write OUTDIR/<name>.png, a palette PNG of class indices.")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (any format Pillow reads)")
    p.add_argument("-m", "--model", help="model file (.safetensors, .pth, .caffemodel) or shipped model name; "
                   "default: the shipped FCN-8s")
    p.add_argument("-o", "--out", default="segmented", help="output folder (default: ./segmented)")
    p.add_argument("--overlay", action="store_true", help="also write <name>_overlay.png, the colours over the image")
    p.add_argument("--opacity", type=float, default=0.5, help="overlay opacity 0..1 (default 0.5)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 … (default auto)")
    p.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"))
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
    if args.stitch_factor is not None and not args.shift_stitch:
        raise CommandError("--stitch-factor needs --shift-stitch")
    model = resolve_model(args.model, STITCH_MODEL_NAME if args.shift_stitch else DEFAULT_MODEL)
    try:
        segmenter = Segmenter(model, device=args.device, precision=args.precision, stitch_factor=args.stitch_factor,
                              upsampling="shift-stitch" if args.shift_stitch else "learned")
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    palette = np.array(segmenter.info.palette, dtype=np.uint8)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failures = 0
    for name in args.images:
        try:
            rgb = load_image(name)
        except ImageLoadError as exc:
            print(f"fcn-studio: error: {exc}", file=sys.stderr)
            failures += 1
            continue
        try:
            pred = segmenter.predict(rgb)
        except OutOfMemory as exc:
            print(f"fcn-studio: error: {name}: {exc}", file=sys.stderr)
            failures += 1
            continue
        target = out / f"{Path(name).stem}.png"
        save_label_png(pred.labels, target, palette)
        if args.overlay:
            Image.fromarray(overlay(rgb, colorize(pred.labels, palette), args.opacity)).save(out / f"{Path(name).stem}_overlay.png")
        present = [segmenter.info.class_names[k] for k in np.unique(pred.labels)]
        note = f"; {pred.note}" if pred.note else ""
        print(f"{name} → {target}  ({pred.seconds * 1000:.0f} ms; {', '.join(present)}{note})")
    if failures:
        print(f"fcn-studio: {failures} of {len(args.images)} images could not be segmented", file=sys.stderr)
    return 1 if failures else 0
