"""`fcn-studio` command line: no subcommand opens the app; subcommands run the engine headless.

Each subcommand lives in its own module with `register(subparsers)`; `COMMANDS` lists them.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import sys
from importlib import import_module

from .. import __version__
from ..allocator import keep_freed_memory
from ..errors import CommandError, FileProblem, printable
from ..images import add_max_pixels_argument, set_max_image_pixels

COMMANDS = ("segment", "train", "eval", "info", "import_weights", "make_synthetic", "reproduce", "experiment", "bench", "export",
            "models", "data")


DESCRIPTION = ("See, run and train Fully Convolutional Networks (Long, Shelhamer & Darrell, CVPR 2015). "
               "Without a subcommand the desktop app opens: fcn-studio [IMAGE ...] [--model M] [--head 8s].")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fcn-studio", description=DESCRIPTION)
    _common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        import_module(f".{name}", __name__).register(sub)
    return parser


def build_app_parser() -> argparse.ArgumentParser:
    """The app takes images as positionals, which argparse cannot mix with subcommands."""
    from . import app as app_command

    parser = argparse.ArgumentParser(prog="fcn-studio", description=DESCRIPTION)
    _common(parser)
    app_command.add_app_arguments(parser)
    add_max_pixels_argument(parser)
    parser.set_defaults(func=app_command.run)
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"fcn-studio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")


def command_names() -> set[str]:
    return {name.replace("_", "-") for name in COMMANDS}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    words = [a for a in argv if not a.startswith("-")]
    wants_command = bool(words) and words[0] in command_names() or any(a in ("-h", "--help") for a in argv[:1])
    if words and not wants_command and argv[0] == words[0] and not os.path.exists(words[0]):
        guess = difflib.get_close_matches(words[0], sorted(command_names()), n=1, cutoff=0.6)
        if guess:  # `fcn-studio segmnt img.png`: a mistyped command, not an image to open
            print(f"fcn-studio: error: unknown command {words[0]!r}; did you mean {guess[0]}?", file=sys.stderr)
            return 2
    parser = build_parser() if wants_command else build_app_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    keep_freed_memory()  # PyTorch's eager paths, the app's and the benchmarks' baseline alike
    try:
        if getattr(args, "max_pixels", None) is not None:
            set_max_image_pixels(args.max_pixels)
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"fcn-studio: error: {exc}", file=sys.stderr)
        return exc.code
    except FileProblem as exc:
        print(f"fcn-studio: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file the program writes or reads that no command foresaw (a full disk)
        where = f"{printable(str(exc.filename))}: " if exc.filename else ""
        print(f"fcn-studio: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fcn-studio: interrupted", file=sys.stderr)
        return 130
