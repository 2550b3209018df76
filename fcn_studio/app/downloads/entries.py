"""The catalogue of downloadable files: the package's `catalogue.toml` plus a lab's own file.

This is not the model picker's list (`app/catalog.py`, the models on disk): it names files on
the web, where they are, how to check them and what they must hold. A lab adds its own server
with a TOML file of the same fields, named by `FCN_STUDIO_CATALOGUE` (default:
`catalogue.toml` in the user's fcn-studio config folder); its entries come after the package's,
and one of the same name replaces the package's. A bad entry is refused with the file, the
line of its `[[file]]` header, the entry's name and the problem.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ...engine import ARCHITECTURES
from ...engine.model_info import CAFFE_INPUT, GOOGLENET_INPUT, TORCHVISION_INPUT, InputSpec
from ...errors import FileProblem
from ...palette import VOC_CLASSES
from ...training.recipes import TOMLDecodeError, parse_toml  # tomllib, or tomli on Python 3.10

BUILTIN = Path(__file__).with_name("catalogue.toml")
USER_CATALOGUE_ENV = "FCN_STUDIO_CATALOGUE"
UNVERIFIED = "unverified source"
HASH_ALGORITHMS = {"md5": 32, "sha1": 40, "sha256": 64, "sha256-prefix": None}
KINDS = ("model", "trunk")
FORMATS = ("pytorch-fcn", "caffemodel", "torchvision")
# The reference NYUDv2 nets subtract the NYUDv2 colour mean (fcn.berkeleyvision.org nyud_layers.py).
INPUTS: dict[str, InputSpec] = {
    "caffe-voc": CAFFE_INPUT,
    "caffe-nyud": InputSpec(channel_order="BGR", scale=1.0, mean=(116.190, 97.203, 92.318), std=(1.0, 1.0, 1.0)),
    "torchvision": TORCHVISION_INPUT,
    "googlenet": GOOGLENET_INPUT,
}
NYUD_40 = ("wall", "floor", "cabinet", "bed", "chair", "sofa", "table", "door", "window", "bookshelf", "picture",
           "counter", "blinds", "desk", "shelves", "curtain", "dresser", "pillow", "mirror", "floor mat", "clothes",
           "ceiling", "books", "refridgerator", "television", "paper", "towel", "shower curtain", "box",
           "whiteboard", "person", "night stand", "toilet", "sink", "lamp", "bathtub", "bag", "otherstructure",
           "otherfurniture", "otherprop")
PASCAL_CONTEXT_59 = (*VOC_CLASSES, "bag", "bed", "bench", "book", "building", "cabinet", "ceiling", "clothes",
                     "computer", "cup", "door", "fence", "floor", "flower", "food", "grass", "ground", "keyboard",
                     "light", "mountain", "mouse", "curtain", "platform", "sign", "plate", "road", "rock", "shelves",
                     "sidewalk", "sky", "snow", "bedcloth", "track", "tree", "truck", "wall", "water", "window", "wood")
CLASS_SETS: dict[str, tuple[str, ...]] = {"voc": VOC_CLASSES, "pascal-context-59": PASCAL_CONTEXT_59, "nyud-40": NYUD_40}
REQUIRED = ("name", "title", "kind", "arch", "classes", "result", "input", "urls", "hash", "format", "licence")
OPTIONAL = {"class_names", "width", "size_mb", "file_name", "hash_source"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class CatalogueError(FileProblem):
    """A catalogue file, or one of its entries, that cannot be used."""


@dataclass(frozen=True)
class DownloadEntry:
    """One downloadable file and everything needed to fetch, check and convert it."""

    name: str
    title: str
    kind: str
    arch: str
    classes: int
    class_names: tuple[str, ...]
    result: str
    input: str
    urls: tuple[str, ...]
    hash: str
    format: str
    licence: str
    width: float = 1.0
    size_mb: float | None = None
    file_name: str = ""
    hash_source: str = ""
    origin: str = "built in"

    @property
    def verified(self) -> bool:
        return self.hash != UNVERIFIED

    @property
    def algorithm(self) -> str | None:
        return self.hash.split(":", 1)[0] if self.verified else None

    @property
    def digest(self) -> str | None:
        return self.hash.split(":", 1)[1].lower() if self.verified else None

    @property
    def input_spec(self) -> InputSpec:
        return INPUTS[self.input]

    @property
    def download_name(self) -> str:
        """The file's name in the cache: given, or the first URL's last path part."""
        return self.file_name or Path(urlparse(self.urls[0]).path).name


def _entry(raw: object, origin: str) -> DownloadEntry:
    """One [[file]] table checked field by field; CatalogueError says which field and why."""
    if not isinstance(raw, dict):
        raise ValueError("is not a table")
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise ValueError(f"misses {', '.join(missing)}")
    unknown = sorted(set(raw) - set(REQUIRED) - OPTIONAL)
    if unknown:
        raise ValueError(f"has unknown field {unknown[0]!r}")
    text = {k: raw[k] for k in ("name", "title", "kind", "arch", "result", "input", "hash", "format", "licence")}
    bad = next((k for k, v in text.items() if not isinstance(v, str) or not v), None)
    if bad:
        raise ValueError(f"{bad} must be non-empty text")
    if not _NAME.match(raw["name"]):
        raise ValueError(f"name {raw['name']!r} may hold only letters, digits, '.', '_' and '-'")
    for key, allowed in (("kind", KINDS), ("format", FORMATS), ("input", tuple(INPUTS)), ("arch", tuple(ARCHITECTURES))):
        if raw[key] not in allowed:
            raise ValueError(f"{key} {raw[key]!r} is not one of {', '.join(allowed)}")
    classes = raw["classes"]
    if not isinstance(classes, int) or isinstance(classes, bool) or classes < 1:
        raise ValueError(f"classes must be a whole number >= 1, got {classes!r}")
    urls = raw["urls"]
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and urlparse(u).scheme in ("http", "https")
                                                         for u in urls):
        raise ValueError("urls must be a non-empty list of http(s) addresses")
    _check_hash(raw["hash"])
    names = _class_names(raw.get("class_names"), classes)
    width = raw.get("width", 1.0)
    size = raw.get("size_mb")
    if not isinstance(width, (int, float)) or isinstance(width, bool) or width <= 0:
        raise ValueError(f"width must be a positive number, got {width!r}")
    if size is not None and (not isinstance(size, (int, float)) or isinstance(size, bool) or size <= 0):
        raise ValueError(f"size_mb must be a positive number, got {size!r}")
    return DownloadEntry(**text, classes=classes, class_names=names, urls=tuple(urls), width=float(width),
                         size_mb=None if size is None else float(size), file_name=str(raw.get("file_name", "")),
                         hash_source=str(raw.get("hash_source", "")), origin=origin)


def _check_hash(value: str) -> None:
    if value == UNVERIFIED:
        return
    algorithm, _, digest = value.partition(":")
    if algorithm not in HASH_ALGORITHMS:
        raise ValueError(f"hash {value!r} must be ALGORITHM:HEX ({', '.join(HASH_ALGORITHMS)}) or {UNVERIFIED!r}")
    length = HASH_ALGORITHMS[algorithm]
    if not re.fullmatch(r"[0-9a-fA-F]+", digest) or (length is not None and len(digest) != length):
        raise ValueError(f"hash {value!r} is not a {algorithm} digest")


def _class_names(value: object, classes: int) -> tuple[str, ...]:
    """A named set ("voc"), a list, or for 1000 ImageNet classes / none given: numbered names."""
    if value is None or value == "imagenet":
        return tuple(f"class_{k}" for k in range(classes))
    names = CLASS_SETS.get(value) if isinstance(value, str) else value
    if isinstance(value, str) and names is None:
        raise ValueError(f"class_names {value!r} is not one of {', '.join(CLASS_SETS)}, imagenet, or a list")
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names) or len(names) != classes:
        raise ValueError(f"class_names must be {classes} names (one per class)")
    return tuple(names)


def _header_lines(text: str) -> list[int]:
    """The line number of each `[[file]]` header, in order (TOML keeps no positions of its own)."""
    return [i for i, line in enumerate(text.splitlines(), 1) if re.match(r"^\s*\[\[\s*file\s*\]\]", line)]


def read_catalogue(path: str | Path, origin: str | None = None) -> list[DownloadEntry]:
    """Every entry of a catalogue file; CatalogueError names the file, the line and the entry."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = parse_toml(text)
    except OSError as exc:
        raise CatalogueError(path, f"cannot read the catalogue ({exc.strerror or exc})") from None
    except (TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(path, f"not valid TOML ({exc})") from None
    unknown = sorted(set(data) - {"file"})
    if unknown or not isinstance(data.get("file", []), list):
        raise CatalogueError(path, f"a catalogue holds [[file]] tables only (found {unknown[0] if unknown else 'file'!r})")
    lines = _header_lines(text)
    entries: list[DownloadEntry] = []
    for index, raw in enumerate(data.get("file", [])):
        line = lines[index] if index < len(lines) else "?"
        label = raw.get("name", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
        try:
            entries.append(_entry(raw, origin or str(path)))
        except ValueError as exc:
            raise CatalogueError(path, f"line {line}, entry {label!r}: {exc}") from None
    seen = set()
    for entry in entries:
        if entry.name in seen:
            raise CatalogueError(path, f"entry {entry.name!r} appears twice")
        seen.add(entry.name)
    return entries


def user_catalogue_path() -> Path:
    configured = os.environ.get(USER_CATALOGUE_ENV)
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # pooch's own dependency: the platform's config folder

    return Path(platformdirs.user_config_dir("fcn-studio")) / "catalogue.toml"


def load_catalogue() -> dict[str, DownloadEntry]:
    """The package's entries, then the user's file's (which win on equal names), by name."""
    entries = {e.name: e for e in read_catalogue(BUILTIN, "built in")}
    user = user_catalogue_path()
    if user.is_file() or os.environ.get(USER_CATALOGUE_ENV):
        entries.update({e.name: e for e in read_catalogue(user)})
    return entries


def find_entry(name: str) -> DownloadEntry | None:
    return load_catalogue().get(name)
