"""Fuzzers for every parser a user's file reaches: mutated bytes (and structure) of real files.

Each format starts from a real, valid file the program wrote itself and mutates it: random bytes
flipped, runs inserted, deleted or overwritten with edge values, the file cut short, and for the
structured formats (safetensors headers and metadata, recipes, configs) values replaced by
values of other types and sizes. Opening a mutant may succeed or fail with the format's own
error (a FileProblem naming the file); anything else — another exception type, a traceback, an
allocation of gigabytes — is a finding.

    python -m tests.robustness.fuzz --cases 10000              # every format, 10 000 cases each
    python -m tests.robustness.fuzz --format safetensors --cases 500 --seed 3

CI runs a few dozen cases per format (tests/robustness/test_fuzz.py; `FCN_STUDIO_FUZZ_CASES`
raises it). Findings are written to --keep (default: a temporary folder) to reproduce them.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from fcn_studio.data.classes import ClassList, write_classes_json
from fcn_studio.data.detect import open_dataset
from fcn_studio.data.verify import verify_dataset
from fcn_studio.engine import build_model, open_model, read_info, save_model
from fcn_studio.errors import FileProblem
from fcn_studio.images import load_image, set_max_image_pixels
from fcn_studio.palette import save_label_png
from fcn_studio.training.recipes import PRESETS, load_recipe, save_recipe
from fcn_studio.training.run_folder import TrainConfig, read_config, write_config
from tests.engine.caffe_writer import caffemodel_from_state, net

EDGE_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF)
# Values a hostile JSON/TOML field may hold instead of its own.
ODD_VALUES = (None, True, False, 0, -1, 1, 2 ** 31, 2 ** 63, 10 ** 9, -(10 ** 12), 1e39, -1e-9, 0.5, float("nan"),
              float("inf"), "", "x", "fcn8s", "I8", [], [1], [[999, 0, 0]], {}, {"a": 1}, [None] * 3)


@dataclass
class Report:
    format: str
    cases: int = 0
    outcomes: Counter = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return f"{self.format}: {self.cases} cases in {self.seconds:.0f} s ({shown}); {len(self.findings)} findings"


def mutate_bytes(data: bytes, rng: random.Random, hot: int | None = None) -> bytes:
    """One to four byte-level mutations; with `hot`, most land in the first `hot` bytes (a header)."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        span = hot if hot and rng.random() < 0.8 else len(buf)
        pos = rng.randrange(max(1, min(span, len(buf))))
        kind = rng.randrange(6)
        if kind == 0:
            buf[pos:pos + 1] = bytes([rng.randrange(256)])
        elif kind == 1:
            buf[pos:pos + 1] = bytes([buf[pos] ^ (1 << rng.randrange(8))]) if pos < len(buf) else b""
        elif kind == 2:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif kind == 3:
            del buf[pos:pos + rng.randint(1, 64)]
        elif kind == 4:
            buf[pos:pos + 4] = bytes([rng.choice(EDGE_BYTES)] * 4)
        else:
            buf = buf[: pos]
    return bytes(buf)


def odd_value(rng: random.Random) -> object:
    value = rng.choice(ODD_VALUES)
    return [value] * rng.randint(1, 4) if rng.random() < 0.1 else value


def mutate_tree(tree: object, rng: random.Random) -> object:
    """Replace, delete or add one entry somewhere in a JSON-like tree."""
    if isinstance(tree, dict) and tree and rng.random() < 0.8:
        key = rng.choice(sorted(tree, key=str))
        roll = rng.random()
        if roll < 0.15:
            del tree[key]
        elif roll < 0.5 and isinstance(tree[key], (dict, list)):
            tree[key] = mutate_tree(tree[key], rng)
        else:
            tree[key] = odd_value(rng)
        if rng.random() < 0.05:
            tree[rng.choice(["extra", "num_classes", "arch", "preset", "format_version"])] = odd_value(rng)
        return tree
    if isinstance(tree, list) and tree and rng.random() < 0.8:
        i = rng.randrange(len(tree))
        tree[i] = mutate_tree(tree[i], rng) if isinstance(tree[i], (dict, list)) and rng.random() < 0.5 else odd_value(rng)
        return tree
    return odd_value(rng)


class Fuzzer:
    """One format: `setup` writes the valid originals, `case` opens one mutant."""

    name = ""

    def setup(self, work: Path) -> None:
        self.work = work

    def case(self, rng: random.Random, target: Path) -> str:
        raise NotImplementedError


class CaffeFuzzer(Fuzzer):
    name = "caffemodel"

    def setup(self, work: Path) -> None:
        super().setup(work)
        model = build_model("fcn32s", 3, 1 / 64)
        self.full = caffemodel_from_state(model.state_dict())
        # Blobs of a few values keep the protobuf structure (tags, lengths, shapes) most of the bytes.
        self.small = net([(n, "Convolution", [np.ones((2, 1, 1, 1)), np.ones(2)]) for n in ("conv1_1", "fc6", "score_fr")])

    def case(self, rng: random.Random, target: Path) -> str:
        base = self.full if rng.random() < 0.5 else self.small
        path = target.with_suffix(".caffemodel")
        path.write_bytes(mutate_bytes(base, rng, hot=len(base) if base is self.small else 4096))
        open_model(path)
        return "opened"


class SafetensorsFuzzer(Fuzzer):
    name = "safetensors"

    def setup(self, work: Path) -> None:
        super().setup(work)
        self.data = save_model(build_model("fcn32s", 3, 1 / 64), work / "base.safetensors").read_bytes()
        self.header_len = int.from_bytes(self.data[:8], "little")

    def case(self, rng: random.Random, target: Path) -> str:
        roll = rng.random()
        path = target.with_suffix(".safetensors")
        if roll < 0.6:  # the JSON header, parsed and changed: shapes, dtypes, offsets, our metadata
            header = json.loads(self.data[8 : 8 + self.header_len])
            if rng.random() < 0.6:
                meta = json.loads(header["__metadata__"]["fcn_studio"])
                header["__metadata__"]["fcn_studio"] = json.dumps(mutate_tree(meta, rng))
            else:
                header = mutate_tree(header, rng)
            text = json.dumps(header).encode()
            path.write_bytes(len(text).to_bytes(8, "little") + text + self.data[8 + self.header_len :])
        else:
            path.write_bytes(mutate_bytes(self.data, rng, hot=8 + self.header_len if roll < 0.9 else None))
        read_info(path)
        open_model(path)
        return "opened"


class ImageFuzzer(Fuzzer):
    name = "images"

    def setup(self, work: Path) -> None:
        super().setup(work)
        rng = np.random.default_rng(0)
        rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
        images = {"rgb.png": Image.fromarray(rgb), "p.png": Image.fromarray(rgb).convert("P"),
                  "l.png": Image.fromarray(rgb[..., 0]), "rgba.png": Image.fromarray(np.dstack([rgb, rgb[..., :1]])),
                  "g16.png": Image.fromarray((rgb[..., 0].astype(np.uint16) * 257)), "a.jpg": Image.fromarray(rgb),
                  "a.bmp": Image.fromarray(rgb), "a.gif": Image.fromarray(rgb).convert("P"),
                  "a.tif": Image.fromarray(rgb), "a.webp": Image.fromarray(rgb)}
        self.originals = []
        for name, img in images.items():
            img.save(work / name)
            self.originals.append((Path(name).suffix, (work / name).read_bytes()))

    def case(self, rng: random.Random, target: Path) -> str:
        suffix, data = rng.choice(self.originals)
        path = target.with_suffix(suffix)
        path.write_bytes(mutate_bytes(data, rng, hot=256))
        load_image(path)
        return "decoded"


class DatasetFuzzer(Fuzzer):
    """A folder dataset (images/, masks/, classes.json, train.txt) with one of its files mutated."""

    name = "datasets"

    def setup(self, work: Path) -> None:
        super().setup(work)
        self.base = work / "set"
        for sub in ("images", "masks"):
            (self.base / sub).mkdir(parents=True)
        rng = np.random.default_rng(0)
        for i in range(4):
            Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(self.base / "images" / f"s{i}.png")
            save_label_png(rng.integers(0, 3, (16, 16)).astype(np.uint8), self.base / "masks" / f"s{i}.png")
        (self.base / "train.txt").write_text("s0\ns1\n# comment\ns2\n")
        (self.base / "val.txt").write_text("s3\n")
        palette = np.array([[0, 0, 0], [200, 0, 0], [0, 200, 0]], np.uint8)
        write_classes_json(self.base / "classes.json", ClassList(("background", "a", "b"), palette))
        self.files = sorted(p.relative_to(self.base) for p in self.base.rglob("*") if p.is_file())

    def case(self, rng: random.Random, target: Path) -> str:
        root = target.with_suffix("")
        shutil.copytree(self.base, root)
        victim = root / rng.choice(self.files)
        if victim.suffix == ".json" and rng.random() < 0.5:
            victim.write_text(json.dumps(mutate_tree(json.loads(victim.read_text()), rng)))
        else:
            victim.write_bytes(mutate_bytes(victim.read_bytes(), rng, hot=128))
        try:
            dataset = open_dataset(root, rng.choice(["train", "val", "all"]))
            verify_dataset(dataset, "fuzzed split")
        finally:
            shutil.rmtree(root)
        return "opened"


class RecipeFuzzer(Fuzzer):
    """Recipe files (JSON, TOML) and a run folder's config.json."""

    name = "recipes"

    def setup(self, work: Path) -> None:
        super().setup(work)
        self.json = save_recipe(PRESETS["heavy"], work / "r.json").read_text()
        self.toml = save_recipe(PRESETS["paper"], work / "r.toml").read_text()
        write_config(TrainConfig(data="data", out=str(work / "run")))
        self.config = (work / "run" / "config.json").read_text()

    def case(self, rng: random.Random, target: Path) -> str:
        kind = rng.choice(["json", "toml", "config"])
        text = {"json": self.json, "toml": self.toml, "config": self.config}[kind]
        if kind != "toml" and rng.random() < 0.6:
            data = mutate_tree(json.loads(text), rng)
            raw = json.dumps(data).encode()
        else:
            raw = mutate_bytes(text.encode(), rng, hot=len(text))
        if kind == "config":
            run = target.with_suffix("")
            run.mkdir()
            (run / "config.json").write_bytes(raw)
            try:
                read_config(run)
            finally:
                shutil.rmtree(run)
        else:
            path = target.with_suffix(f".{kind}")
            path.write_bytes(raw)
            load_recipe(path)
        return "loaded"


FUZZERS: dict[str, Callable[[], Fuzzer]] = {f.name: f for f in (CaffeFuzzer, SafetensorsFuzzer, ImageFuzzer,
                                                                DatasetFuzzer, RecipeFuzzer)}


def run(name: str, cases: int, seed: int = 0, keep: Path | None = None) -> Report:
    """`cases` mutants of format `name`; every exception that is not a FileProblem is a finding."""
    report = Report(name)
    fuzzer = FUZZERS[name]()
    start = time.perf_counter()
    set_max_image_pixels(4_000_000)  # the bomb guard is part of what is tested; keep memory small
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about every damaged TIFF tag
        work = Path(tmp)
        fuzzer.setup(work)
        for i in range(cases):
            rng = random.Random(f"{seed}:{name}:{i}")
            target = work / f"case{i}"
            try:
                report.outcomes[fuzzer.case(rng, target)] += 1
            except FileProblem:
                report.outcomes["refused"] += 1
            except Exception:  # noqa: BLE001 - anything else is what the fuzzer looks for
                report.findings.append(f"case {i} (seed {seed}): {traceback.format_exc(limit=-3)}")
                if keep is not None:
                    keep.mkdir(parents=True, exist_ok=True)
                    for made in work.glob(f"case{i}*"):
                        if made.is_file():
                            shutil.copy(made, keep / f"{name}-{made.name}")
            finally:
                for made in work.glob(f"case{i}*"):
                    made.unlink() if made.is_file() else shutil.rmtree(made, ignore_errors=True)
            report.cases += 1
    set_max_image_pixels(100_000_000)
    report.seconds = time.perf_counter() - start
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.robustness.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="mutants per format (default 10000)")
    parser.add_argument("--format", action="append", choices=sorted(FUZZERS), help="only these formats (repeatable)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="copy each finding's input here")
    args = parser.parse_args(argv)
    found = 0
    for name in args.format or FUZZERS:
        report = run(name, args.cases, args.seed, args.keep)
        print(report.line(), flush=True)
        for finding in report.findings[:20]:
            print(finding, flush=True)
        found += len(report.findings)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
