"""A catalogue entry made usable: downloaded (or handed over by hand), checked, converted.

The downloaded file stays in the cache (`<cache>/files/`) only once it is known good: by its
published hash, by torchvision's sha256 prefix, or — for an "unverified source" — by parsing as
the architecture and class count the catalogue promises. It is then converted, through the
importers every weight file goes through (`weights_only=True`, Caffe parsed without Caffe), into
our own safetensors format whose metadata says what it is, where it came from and its hash:

- a segmentation model goes to `<cache>/models/NAME.safetensors`, which the model picker scans;
  the files of one family (fcn32s-voc, fcn16s-voc, fcn8s-voc) share `notes["family"]`, so the
  head switch moves between them;
- a trunk (an ImageNet classifier) goes to `<cache>/trunks/NAME.safetensors` as an FCN-32s whose
  trunk holds its weights and whose score layer is zero, with the input convention it was trained
  on: the model `train --init` starts from (the paper's start), not one to segment with.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ...engine import FCN, ModelInfo, build_model, read_info, save_model
from ...engine.convolutionalise import copy_imagenet
from ...engine.reference_weights import import_caffemodel, import_pytorch_fcn
from ...engine.registry import ARCHITECTURES
from ...errors import DownloadError, FileProblem, WeightFileError
from ...palette import voc_palette
from ...training.events import CancelToken
from .entries import DownloadEntry
from .fetch import ProgressCallback, cache_dir, fetch, hash_prefix_matches, source_urls

log = logging.getLogger(__name__)

NOT_HERE, READY, UNVERIFIED_STATE = "not here", "ready", "unverified"


def files_dir() -> Path:
    return cache_dir() / "files"


def models_dir() -> Path:
    """The downloaded models the picker lists beside the shipped ones."""
    return cache_dir() / "models"


def converted_path(entry: DownloadEntry) -> Path:
    return (models_dir() if entry.kind == "model" else cache_dir() / "trunks") / f"{entry.name}.safetensors"


def download_path(entry: DownloadEntry) -> Path:
    return files_dir() / entry.download_name


def state(entry: DownloadEntry) -> str:
    """not here / ready / unverified (converted, but its source published no hash)."""
    path = converted_path(entry)
    if not path.is_file():
        return NOT_HERE
    try:
        verified = read_info(path).notes.get("catalogue", {}).get("verified", False)
    except WeightFileError:
        return NOT_HERE
    return READY if verified else UNVERIFIED_STATE


def manual_hint(entry: DownloadEntry) -> str:
    """What to do without a network: the exact URLs and the command that takes a file fetched elsewhere."""
    urls = " or ".join(source_urls(entry.urls, entry.download_name))
    return (f"fetch {entry.download_name} by hand from {urls} and run "
            f"`fcn-studio models get {entry.name} --from FILE`")


@dataclass(frozen=True)
class Installed:
    entry: DownloadEntry
    path: Path  # the converted .safetensors
    source: Path  # the checked download in the cache
    url: str  # where it came from ("" when it was there already or handed over)


def install(entry: DownloadEntry, on_progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
            from_file: str | Path | None = None, retries: int = 2) -> Installed:
    """Download `entry` (or take `from_file`), check it, convert it; returns where it now is.

    Raises DownloadError (no source worked: the message lists each URL's reason and the manual
    way), DownloadCancelled, or WeightFileError (the file is not what the catalogue says: it is
    deleted). Done already: returns at once.
    """
    target = converted_path(entry)
    final = download_path(entry)
    if state(entry) != NOT_HERE and final.is_file():
        return Installed(entry, target, final, "")
    staged, url = _obtain(entry, final, on_progress, cancel, from_file, retries)
    try:
        model = _convert(entry, staged)
    except (FileProblem, ValueError, KeyError, RuntimeError) as exc:
        for path in {staged, final}:
            path.unlink(missing_ok=True)
        where = url or str(from_file or staged)
        raise WeightFileError(where, f"is not what the catalogue says {entry.name} is ({_reason(exc, staged)}); "
                              "refused and deleted") from None
    if staged != final:
        os.replace(staged, final)
    model.info.notes["catalogue"] = {
        "name": entry.name, "title": entry.title, "result": entry.result, "hash": entry.hash,
        "hash_source": entry.hash_source, "verified": entry.verified, "urls": list(entry.urls),
        "downloaded_from": url or (f"file {from_file}" if from_file else "the cache"), "licence": entry.licence,
        "origin": entry.origin,
    }
    save_model(model, target)
    log.info("%s ready: %s", entry.name, target)
    return Installed(entry, target, final, url)


def _reason(exc: BaseException, staged: Path) -> str:
    text = str(exc)
    return text.split(": ", 1)[1] if text.startswith(str(staged)) and ": " in text else text


def _obtain(entry: DownloadEntry, final: Path, on_progress: ProgressCallback | None, cancel: CancelToken | None,
            from_file: str | Path | None, retries: int) -> tuple[Path, str]:
    """The file, checked by hash where one is published; an unverified one waits in `.unchecked`."""
    full_hash = entry.hash if entry.algorithm in ("md5", "sha1", "sha256") else None
    staged = final if full_hash else final.with_name(final.name + ".unchecked")
    url = ""
    if from_file is not None:
        _copy_in(Path(from_file), staged, full_hash)
    else:
        try:
            staged, url = fetch(source_urls(entry.urls, entry.download_name), staged, full_hash, on_progress, cancel,
                                retries)
        except DownloadError as exc:
            if exc.path is not None:  # the disk, not the network
                raise
            raise DownloadError(None, f"could not download {entry.name}: {exc.reason}. Another way: "
                                f"{manual_hint(entry)}") from None
    if entry.algorithm == "sha256-prefix":
        got = hash_prefix_matches(staged, entry.digest or "")
        if got is not None:
            staged.unlink(missing_ok=True)
            raise DownloadError(url or from_file, f"its sha256 is {got}, which does not start with {entry.digest} "
                                "as the catalogue says; refused, nothing kept")
    return staged, url


def _copy_in(source: Path, staged: Path, full_hash: str | None) -> None:
    """A file fetched elsewhere, checked like a download before it joins the cache."""
    import pooch

    if not source.is_file():
        raise DownloadError(source, "no such file")
    if full_hash:
        algorithm, expected = full_hash.split(":", 1)
        got = pooch.file_hash(str(source), algorithm)
        if got != expected.lower():
            raise DownloadError(source, f"its {algorithm} is {got} but the catalogue says {expected}; refused")
    staged.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(source, staged)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise DownloadError(staged.parent, f"could not copy {source.name} here ({exc.strerror or exc})") from None


def _convert(entry: DownloadEntry, path: Path) -> FCN:
    """The file as our model, refused unless it holds the architecture and classes promised."""
    if entry.kind == "trunk":
        return _trunk(entry, path)
    model = import_pytorch_fcn(path, entry.arch) if entry.format == "pytorch-fcn" else import_caffemodel(path)
    found = (model.arch, model.info.num_classes, model.width)
    if found != (entry.arch, entry.classes, entry.width):
        raise WeightFileError(path, f"it holds {found[0]} with {found[1]} classes at width {found[2]:g}, "
                              f"not {entry.arch} with {entry.classes} at width {entry.width:g}")
    family = entry.name[len(entry.arch) + 1:] if entry.name.startswith(f"{entry.arch}-") else ""
    model.info = ModelInfo(arch=model.arch, num_classes=entry.classes, width=model.width,
                           class_names=list(entry.class_names), palette=voc_palette(entry.classes).tolist(),
                           input=entry.input_spec,
                           notes={**model.info.notes, **({"family": family} if family else {})})
    return model


def _trunk(entry: DownloadEntry, path: Path) -> FCN:
    """An FCN-32s of the trunk with the classifier's weights and a zero one-class score layer."""
    backbone = ARCHITECTURES[entry.arch].backbone
    info = ModelInfo(arch=entry.arch, num_classes=1, width=entry.width, class_names=["background"],
                     input=entry.input_spec, notes={"imported_from": path.name, "format": entry.format,
                                                    "trunk": backbone})
    model = build_model(entry.arch, num_classes=1, width=entry.width, info=info)
    copy_imagenet(model, path)
    model.info.input = entry.input_spec  # copy_imagenet assumes torchvision's; the Caffe VGG16 is BGR
    return model.eval()
