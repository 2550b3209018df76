"""An annotation project: a folder in the layout `FolderDataset`, `fcn-studio train` and `eval` read.

    ROOT/images/<name>.<ext>   the user's images, copied in
    ROOT/masks/<name>.png      one palette PNG per image, 255 = unlabelled (blank when added)
    ROOT/classes.json          the label set: names and colours in label order
    ROOT/train.txt             images with labels that are not kept for testing (written for you)
    ROOT/val.txt               the images kept for testing: the held-out set, the trainer's "val"
    ROOT/fully_painted.txt     images the user marked painted completely; val-dense.txt: those held out
    ROOT/rounds/round-NNN/     each "Train on my annotations" round: a run folder, its model best.safetensors
    ROOT/removed/images, masks images taken out of the project, with their masks (kept, not read)

This module is the one place that knows the layout (the split lists' files: `split_lists.py`). The split lists are the project's state
(nothing else is stored), so training reads the train images and evaluation the held-out ones
with no option set. Every mask write goes through `files.replacing`: a crash, a full disk or a
kill leaves the previous mask whole. A save that fails keeps the annotation in memory and records
the problem in `unsaved`; the next save tries again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import stat
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from ...data.classes import CLASSES_FILE, ClassList, read_classes_json, write_classes_json
from ...data.folder import IMAGE_DIR, IMAGE_EXTENSIONS
from ...data.labels import read_label
from ...data.splits import index_folder
from ...errors import ClassInUse, DatasetError, FileProblem, MaskProblem
from ...files import replacing, unique_name
from ...training.run_folder import BEST
from ...images import load_image
from ...palette import VOID_LABEL, label_png
from . import class_edits
from .annotation import Annotation
from .split_lists import SplitLists

log = logging.getLogger(__name__)

MASK_DIR = "masks"
ROUNDS_DIR = "rounds"
REMOVED_DIR = "removed"
SET_ASIDE_SUFFIX = ".broken"
_ORIENTATION_TAG = 0x0112


def image_size(path: Path) -> tuple[int, int]:
    """(height, width) as `load_image` returns the image: EXIF rotations by 90° swap the two."""
    with Image.open(path) as img:
        width, height = img.size
        turned = img.getexif().get(_ORIENTATION_TAG) in (5, 6, 7, 8)
    return (width, height) if turned else (height, width)


def _safe_stem(name: str) -> str:
    """Split lists are split on whitespace and skip `#` lines, so names may contain neither."""
    stem = re.sub(r"\s+", "_", name.strip()).lstrip("#") or "image"
    return stem


def _writable(path: Path) -> bool:
    """Mode bits, not os.access: root may write anything, but a user's read-only flag still counts."""
    return not path.exists() or bool(path.stat().st_mode & stat.S_IWUSR)


def _replace(path: Path, write: Callable[[str], None]) -> None:
    """`files.replacing`, and a MaskProblem when it fails."""
    try:
        with replacing(path) as tmp:
            write(tmp)
    except OSError as exc:
        kept = "the previous file is untouched" if path.exists() else "nothing was written"
        raise MaskProblem(path, f"could not save ({exc.strerror or exc}); {kept}, and your annotation "
                          "is kept in memory and saved with the next edit") from exc


class AnnotationProject:
    """The images, masks, label set and held-out flags of one project folder; see the module doc."""

    def __init__(self, root: Path, classes: ClassList):
        self.root = root
        self.classes = classes
        self.unsaved: dict[str, FileProblem] = {}
        self._open: dict[str, Annotation] = {}
        self._saved_revision: dict[str, int] = {}
        self._images = index_folder(root / IMAGE_DIR, IMAGE_EXTENSIONS)
        self.lists = SplitLists(root, self._images, _replace)
        for name in self.names:
            if not self.mask_path(name).exists():
                self._write_mask(name, np.full(image_size(self._images[name]), VOID_LABEL, np.uint8))

    # opening --------------------------------------------------------------------------------

    @classmethod
    def create(cls, root: str | os.PathLike, classes: ClassList) -> "AnnotationProject":
        """A new project in an empty (or not yet existing) folder, with this label set."""
        root = Path(root)
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise DatasetError(root, "a new project needs an empty folder; open an existing project instead")
        (root / IMAGE_DIR).mkdir(parents=True, exist_ok=True)
        (root / MASK_DIR).mkdir(exist_ok=True)
        _replace(root / CLASSES_FILE, lambda tmp: write_classes_json(tmp, classes))
        return cls(root, classes)

    @classmethod
    def open(cls, root: str | os.PathLike) -> "AnnotationProject":
        root = Path(root)
        missing = [p for p in (IMAGE_DIR, MASK_DIR, CLASSES_FILE) if not (root / p).exists()]
        if missing:
            raise DatasetError(root, f"not an annotation project (no {', '.join(missing)})")
        return cls(root, read_classes_json(root / CLASSES_FILE))

    # images ---------------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return sorted(self._images)

    def image_path(self, name: str) -> Path:
        return self._images[name]

    def mask_path(self, name: str) -> Path:
        return self.root / MASK_DIR / f"{name}.png"

    def add_image(self, source: str | os.PathLike) -> str:
        """Copy an image into images/ (decodable ones only) with a blank mask; its project name.

        A name already taken gets a number (`cat-2`); a format the datasets do not read is
        stored as PNG."""
        source = Path(source)
        rgb = load_image(source)  # ImageLoadError naming the file if it cannot be used
        stem = unique_name(_safe_stem(source.stem), self._images)
        suffix = source.suffix.lower()
        target = self.root / IMAGE_DIR / (stem + (suffix if suffix in IMAGE_EXTENSIONS else ".png"))
        try:
            with replacing(target) as tmp:
                if suffix in IMAGE_EXTENSIONS:
                    shutil.copyfile(source, tmp)
                else:
                    Image.fromarray(rgb).save(tmp, format="PNG")
            self._images[stem] = target
            self._write_mask(stem, np.full(rgb.shape[:2], VOID_LABEL, np.uint8))
        except OSError as exc:
            self._images.pop(stem, None)
            raise DatasetError(target, f"could not add {source} to the project ({exc.strerror or exc})") from exc
        return stem

    def remove_image(self, name: str) -> Path:
        """Take `name` out of the project: its image and mask move to ROOT/removed/images/ and
        removed/masks/ (nothing is deleted; the datasets no longer see it) and it leaves the split
        lists. The folder they went to."""
        if name not in self._images:
            raise KeyError(name)
        kept = self.root / REMOVED_DIR
        try:
            for path, folder in ((self._images[name], IMAGE_DIR), (self.mask_path(name), MASK_DIR)):
                if path.exists():
                    (kept / folder).mkdir(parents=True, exist_ok=True)
                    os.replace(path, kept / folder / path.name)
        except OSError as exc:
            raise DatasetError(kept, f"could not move {name} out of the project ({exc.strerror or exc})") from exc
        del self._images[name]
        self._open.pop(name, None)
        self.unsaved.pop(name, None)
        self.lists.forget(name)
        return kept

    # training rounds ------------------------------------------------------------------------

    def next_round_dir(self) -> Path:
        """ROOT/rounds/round-NNN, the first number not yet used (the datasets ignore this folder)."""
        rounds = self.root / ROUNDS_DIR
        taken = {p.name for p in rounds.iterdir()} if rounds.is_dir() else set()
        return rounds / next(f"round-{k:03d}" for k in range(1, 10_000) if f"round-{k:03d}" not in taken)

    def round_models(self) -> list[Path]:
        """The model each finished round kept, oldest round first."""
        return sorted(self.root.glob(f"{ROUNDS_DIR}/*/{BEST}"))

    # annotations ----------------------------------------------------------------------------

    def annotation(self, name: str) -> Annotation:
        """The annotation of `name` (read once, then kept; `save` writes it). A mask that is
        unreadable or of another size than its image raises MaskProblem naming both files:
        `set_aside(name)` then keeps it and starts afresh."""
        if name not in self._open:
            labels = self.read_mask(name)
            ann = Annotation(labels, len(self.classes.names))
            self._open[name] = ann
            self._saved_revision[name] = ann.revision
        return self._open[name]

    def read_mask(self, name: str) -> np.ndarray:
        path, image = self.mask_path(name), self._images[name]
        try:
            labels = read_label(path, self.classes.palette)
        except DatasetError as exc:
            raise MaskProblem(path, f"{exc.reason}; it is left as it is: set it aside to start this image afresh") from None
        size = image_size(image)
        if labels.shape != size:
            raise MaskProblem(path, f"is {labels.shape[1]}×{labels.shape[0]} but its image {image} is "
                              f"{size[1]}×{size[0]} (was the image replaced?); set the mask aside to start afresh")
        bad = np.unique(labels[(labels >= len(self.classes.names)) & (labels != VOID_LABEL)])
        if bad.size:
            raise MaskProblem(path, f"holds labels {', '.join(map(str, bad[:5]))} beyond the "
                              f"{len(self.classes.names)} classes of {self.root / CLASSES_FILE}")
        return labels

    def check(self) -> list[FileProblem]:
        """Every mask that `annotation` would refuse (for a report when the project opens)."""
        problems: list[FileProblem] = []
        for name in self.names:
            try:
                self.read_mask(name)
            except FileProblem as exc:
                problems.append(exc)
        return problems

    def set_aside(self, name: str) -> Path:
        """Rename a broken mask to `<name>.png.broken` (kept, not read) and start a blank one."""
        path = self.mask_path(name)
        kept = path.with_name(path.name + SET_ASIDE_SUFFIX)
        os.replace(path, kept)
        self._write_mask(name, np.full(image_size(self._images[name]), VOID_LABEL, np.uint8))
        self._open.pop(name, None)
        return kept

    def save(self, name: str) -> Path:
        """Write the annotation of `name` to its mask now; MaskProblem says why not (memory keeps
        it, and `unsaved` records the problem until a save succeeds).

        It writes a copy taken first, so the GUI may call this on a worker thread while the user
        paints on (a 12-megapixel mask takes ~0.15 s to encode); an edit that lands during the
        write just leaves it unsaved."""
        ann = self._open[name]
        revision = ann.revision
        labels = ann.labels.copy()
        try:
            self._write_mask(name, labels)
        except FileProblem as exc:
            self.unsaved[name] = exc  # training warns of it; the next save tries again
            log.warning("%s", exc)
            raise
        self._saved_revision[name] = revision
        self.unsaved.pop(name, None)
        self._set_labelled(name, bool((labels != VOID_LABEL).any()))
        return self.mask_path(name)

    def is_saved(self, name: str) -> bool:
        return name not in self._open or self._saved_revision[name] == self._open[name].revision

    def _write_mask(self, name: str, labels: np.ndarray) -> None:
        path = self.mask_path(name)
        if not _writable(path):
            raise MaskProblem(path, "the mask file is read-only; your annotation is kept in memory and is "
                              "saved with the next edit once the file may be written")
        _replace(path, lambda tmp: label_png(labels, self.classes.palette).save(tmp, format="PNG"))

    # held-out set and fully painted flags ---------------------------------------------------

    def is_held_out(self, name: str) -> bool:
        return name in self.lists.held_out

    def set_held_out(self, name: str, keep_for_testing: bool) -> None:
        """The "keep for testing" checkbox: held-out images are evaluated on, never trained on."""
        if name not in self._images:
            raise KeyError(name)
        (self.lists.held_out.add if keep_for_testing else self.lists.held_out.discard)(name)
        if not keep_for_testing:  # its labels were not tracked while it was held out
            labelled = bool((self._labels_of(name) != VOID_LABEL).any())
            (self.lists.labelled.add if labelled else self.lists.labelled.discard)(name)
        self.lists.write()

    def is_fully_painted(self, name: str) -> bool:
        return name in self.lists.fully_painted

    def set_fully_painted(self, name: str, fully: bool) -> None:
        """The user's word that every pixel of `name` is painted as it should be: only such test
        images give a held-out score without a caveat (a scribbled one scores its easy interiors)."""
        if name not in self._images:
            raise KeyError(name)
        (self.lists.fully_painted.add if fully else self.lists.fully_painted.discard)(name)
        self.lists.write()

    def painted_fraction(self, name: str) -> float:
        """The share of `name`'s pixels that carry a label (open annotations counted from memory)."""
        labels = self._labels_of(name)
        return float(np.count_nonzero(labels != VOID_LABEL)) / labels.size if labels.size else 0.0

    def training_names(self) -> list[str]:
        """Images with at least one labelled pixel that are not kept for testing (train.txt)."""
        return self.lists.training_names()

    def held_out_names(self) -> list[str]:
        return sorted(self.lists.held_out)

    def dense_test_names(self) -> list[str]:
        """Held-out images marked fully painted (val-dense.txt): the trustworthy held-out score."""
        return self.lists.dense_test_names()

    def _set_labelled(self, name: str, labelled: bool) -> None:
        if labelled != (name in self.lists.labelled):
            (self.lists.labelled.add if labelled else self.lists.labelled.discard)(name)
            self.lists.write()

    # label set ------------------------------------------------------------------------------

    def add_class(self, name: str, colour: class_edits.Colour | None = None) -> int:
        self._set_classes(class_edits.added(self.classes, name, colour))
        return len(self.classes.names) - 1

    def rename_class(self, old: str, new: str) -> None:
        self._set_classes(class_edits.renamed(self.classes, old, new))

    def recolour_class(self, name: str, colour: class_edits.Colour) -> None:
        """New colour in classes.json; masks store indices, so they stay as they are."""
        self._set_classes(class_edits.recoloured(self.classes, name, colour))

    def class_usage(self, name: str) -> dict[str, int]:
        """Pixels of class `name` per image that has any (open annotations counted from memory)."""
        index = class_edits.index_of(self.classes, name)
        counts = {n: int(np.count_nonzero(self._labels_of(n) == index)) for n in self.names}
        return {n: c for n, c in counts.items() if c}

    def delete_class(self, name: str, unlabel: bool = False) -> dict[str, int]:
        """Delete a class; later classes move down one index in every mask.

        Pixels of the class are not silently dropped: while any mask uses it, deletion is refused
        (ClassInUse lists the images) unless `unlabel=True`, which makes them unlabelled and
        returns how many pixels per image. All masks and classes.json are written to temporary
        files first and replaced only when every one is complete: a failure changes nothing."""
        usage = self.class_usage(name)
        classes, lut = class_edits.deleted(self.classes, name)
        if usage and not unlabel:
            shown = ", ".join(f"{n} ({c} px)" for n, c in list(usage.items())[:5])
            raise ClassInUse(self.root / CLASSES_FILE, f"class {name!r} is used by {len(usage)} masks: {shown}; "
                             "delete it with unlabel=True to make those pixels unlabelled, or repaint them first")
        index = class_edits.index_of(self.classes, name)
        remapped: dict[str, np.ndarray] = {}
        for n in self.names:
            labels = self._labels_of(n)
            if ((labels >= index) & (labels != VOID_LABEL)).any():
                remapped[n] = lut[labels]
        read_only = [self.mask_path(n) for n in remapped if not _writable(self.mask_path(n))]
        if read_only:
            raise MaskProblem(read_only[0], f"read-only, so class {name!r} cannot be deleted (nothing was changed)")
        try:
            with contextlib.ExitStack() as stack:
                for n, labels in remapped.items():
                    tmp = stack.enter_context(replacing(self.mask_path(n)))
                    label_png(labels, classes.palette).save(tmp, format="PNG")
                tmp = stack.enter_context(replacing(self.root / CLASSES_FILE))
                write_classes_json(tmp, classes)
        except OSError as exc:
            raise MaskProblem(self.root / MASK_DIR, f"could not rewrite the masks ({exc.strerror or exc}); "
                              f"nothing was changed, class {name!r} is still there") from exc
        self.classes = classes
        for n, ann in self._open.items():
            ann.remap(lut, len(classes.names))
            self._saved_revision[n] = ann.revision
        for n in usage:
            self._set_labelled(n, (self._labels_of(n) != VOID_LABEL).any())
        return usage

    def _labels_of(self, name: str) -> np.ndarray:
        return self._open[name].labels if name in self._open else self.read_mask(name)

    def _set_classes(self, classes: ClassList) -> None:
        _replace(self.root / CLASSES_FILE, lambda tmp: write_classes_json(tmp, classes))
        self.classes = classes
        for ann in self._open.values():
            ann.num_classes = len(classes.names)
