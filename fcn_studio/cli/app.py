"""No subcommand: open the desktop app, or, with no display to open it on, work headless.

Qt aborts the whole process when it finds no display, so we check first and, instead of
crashing, say so and segment the images (the shipped samples by default) into a folder.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..engine.registry import HEADS
from ..paths import sample_images

OPACITY = 0.5  # of the headless overlays: the window's default


def add_app_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images", nargs="*", metavar="IMAGE", help="images (or folders) to open")
    parser.add_argument("-m", "--model", help="model file or shipped model name (default: shipped FCN-8s)")
    parser.add_argument("--head", choices=HEADS,
                        help="head of the model's family to show first (default: the --model's own head; "
                             "without --model, the last one shown, FCN-8s at first)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda … (default auto)")
    parser.add_argument("--compare", action="store_true", help="start in the 32s | 16s | 8s comparison grid")
    parser.add_argument("--screenshot", metavar="PNG", help="open, finish segmenting, save a PNG of the window, exit")
    parser.add_argument("--headless-out", default="fcn-studio-output", metavar="DIR",
                        help="where to write results when there is no display (default ./fcn-studio-output)")


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb"):
        return True
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    if args.screenshot and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    if not has_display():
        return run_headless(args)
    from ..gui.app import run_app

    return run_app(args)


def run_headless(args: argparse.Namespace) -> int:
    from . import segment

    from ..app.session import expand_paths

    # Folders stand for the images in them, as when the window opens them.
    images = [str(p) for p in (expand_paths(args.images) if args.images else sample_images())]
    print("fcn-studio: no display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open.\n"
          "  To see the app: run it on a desktop session, or under a virtual display with\n"
          "  `xvfb-run -a .venv/bin/fcn-studio` (Debian/Ubuntu: apt-get install xvfb).\n"
          f"  Meanwhile, segmenting {len(images)} image(s) headless into {args.headless_out}/ …", file=sys.stderr)
    if not images:
        print("fcn-studio: no images given and no sample images shipped; nothing to do", file=sys.stderr)
        return 0
    # The app's own output folder: each headless launch replaces the results of the last.
    from ..app.batch import existing_outputs, plan_outputs

    out = Path(args.headless_out)
    plan = plan_outputs(images, out, overlay=True)
    replaced = existing_outputs(plan, out, overwrite=True)
    code = segment.write_all(plan, out, segment.open_segmenter(args.model, args.device), OPACITY, replaced)
    print(f"fcn-studio: results in {out.resolve()}", file=sys.stderr)
    return code
