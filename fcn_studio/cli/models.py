"""`fcn-studio models [list | get NAME | path NAME]`: the catalogue of the paper's models and trunks.

Nothing is downloaded until `get` (or a command given a catalogue name) asks. The heavy imports
(torch, requests) wait inside the functions, so `--help` stays quick.
"""

from __future__ import annotations

import argparse

from ..errors import CommandError

EPILOG = """\
Downloads go to the cache folder ($FCN_STUDIO_CACHE moves it); $FCN_STUDIO_MIRROR names a base URL
tried first (a lab's copy on a blocked network); $FCN_STUDIO_CATALOGUE names a lab's own catalogue
file (TOML, the fields of the built-in one). Proxies and CA bundles are the system's
(HTTPS_PROXY, REQUESTS_CA_BUNDLE). A catalogue name works wherever a model is asked for:
  fcn-studio models get fcn8s-voc
  fcn-studio segment photo.jpg --model fcn8s-voc
  fcn-studio train --data VOC --out runs/voc --init vgg16-caffe
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, download and locate the paper's models and ImageNet trunks",
                       description="The catalogue of published FCN models and ImageNet trunks: each checked by its "
                       "published hash (or, where none is published, by parsing) and converted to fcn-studio's format.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="every entry with its state (the default)")
    get = actions.add_parser("get", help="download, check and convert NAME")
    get.add_argument("name")
    get.add_argument("--from", dest="from_file", metavar="FILE",
                     help="use FILE, fetched by hand, instead of downloading (checked the same way)")
    path = actions.add_parser("path", help="print where NAME's converted model is")
    path.add_argument("name")
    p.set_defaults(func=run, action=None)


def run(args: argparse.Namespace) -> int:
    from ..app.downloads.entries import load_catalogue

    entries = load_catalogue()
    if args.action in (None, "list"):
        _list(entries)
        return 0
    entry = entries.get(args.name)
    if entry is None:
        raise CommandError(f"{args.name}: not in the catalogue (known: {', '.join(entries)})")
    if args.action == "path":
        return _path(entry)
    return _get(entry, args.from_file)


def _list(entries: dict) -> None:
    from ..app.downloads.install import state

    states = {e.name: state(e) for e in entries.values()}
    rows = [(e.name, states[e.name] + ("" if e.verified or states[e.name] != "not here" else " (unverified source)"),
             str(e.classes), f"{e.size_mb:.0f} MB" if e.size_mb else "?", e.result) for e in entries.values()]
    header = ("NAME", "STATE", "CLASSES", "SIZE", "REPORTED RESULT")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4])


def _path(entry) -> int:
    from ..app.downloads.install import NOT_HERE, converted_path, state

    if state(entry) == NOT_HERE:
        raise CommandError(f"{entry.name} is not here yet; run `fcn-studio models get {entry.name}`")
    print(converted_path(entry))
    return 0


def _get(entry, from_file: str | None) -> int:
    from ..app.downloads.install import install
    from ..terminal_progress import ProgressLine

    bar = ProgressLine(unit="MB")

    def on_progress(p) -> None:
        if p.total:
            rate = f"{p.rate / 1e6:.1f} MB/s" + (f", {int(p.eta) // 60}:{int(p.eta) % 60:02d} left" if p.eta else "")
            bar(int(p.done // 1_000_000), max(int(p.total // 1_000_000), 1), rate)

    if not from_file:
        size = f"{entry.size_mb:g} MB" if entry.size_mb else "size unknown"
        print(f"{entry.name}: {entry.title} ({size}) from {entry.urls[0]}", flush=True)
    done = install(entry, on_progress, from_file=from_file)
    check = f"{entry.algorithm} {entry.digest} as published ({entry.hash_source})" if entry.verified else \
        f"UNVERIFIED SOURCE (no published hash): accepted because it parses as {entry.arch}"
    print(f"{entry.name} ready: {done.path}\n  checked: {check}")
    return 0
