"""What the window shows, as a Qt-free evented model (napari's `ViewerModel` is the pattern).

Every field the user can change (image, model family and head, device, how the 32s head upsamples,
overlay opacity, hidden classes, compare mode, skip changes, the class inside the net) lives here
and emits a psygnal signal when it changes; the widgets subscribe and draw, and hold no state of
their own beyond Qt's. So what is shown is a function of this state, and a test can set the state
without Qt and check what is requested and what would be drawn.

The model also decides which results are missing for what is shown (the shown head first, then the
family's others, finest first) and says so with one `requested` event per new need; whoever runs
jobs turns it into a SegmentJob and hands the results back through `add_result`. Statistics drawn
from a result (per-image metrics, skip changes) are computed once per result and kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np
from psygnal import Signal, SignalGroup

from . import analysis, overlay, receptive
from .catalog import HEADS, ModelEntry
from .devices import usable_device
from .jobs import HeadResult, SegmentJob
from .results import ResultKey
from .session import OpenImage, Session, stitch_for

STITCH_FACTORS = (0, 2, 4, 8, 32)  # 0: the learned upsampling; f: shift-and-stitch by f (CVPR §3.2)
DEFAULT_HEAD = "8s"
DEFAULT_OPACITY = 0.5
BACKGROUND = "background"  # a class of this name (VOC's class 0) is drawn transparent unless asked


class Store(Protocol):
    """Where choices are remembered between launches (QSettings has this shape)."""

    def value(self, key: str, default: Any = None) -> Any: ...

    def setValue(self, key: str, value: Any) -> None: ...  # noqa: N802 - QSettings' name


class MemoryStore(dict):
    """A Store that forgets on exit: tests and runs that must not touch the user's settings."""

    def value(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)

    def setValue(self, key: str, value: Any) -> None:  # noqa: N802 - QSettings' name
        self[key] = value


@dataclass(frozen=True)
class SegmentRequest:
    """Heads to compute for the shown image, the one to show first first."""

    image: OpenImage
    entries: tuple[ModelEntry, ...]
    device: str
    stitch: int

    @property
    def key(self) -> tuple:
        return self.image.key, tuple(str(e.path) for e in self.entries), self.device, self.stitch

    def job(self, session: Session) -> SegmentJob:
        return SegmentJob(session, self.image, list(self.entries), self.device, stitch=self.stitch)


class ViewEvents(SignalGroup):
    """One signal per field (emitting the new value), plus what follows from several fields."""

    image = Signal(object)  # OpenImage | None
    model = Signal(object)  # ModelEntry | None: the family (and its classes) changed
    head = Signal(str)
    device = Signal(str)
    stitch = Signal(int)
    opacity = Signal(float)
    hidden = Signal(object)  # frozenset[int]
    compare = Signal(bool)
    changes = Signal(bool)
    class_index = Signal(int)
    show_background = Signal(bool)
    probe = Signal(object)  # (x, y) | None: the pixel whose receptive field is drawn
    shown = Signal()  # which results are shown changed: image, model, head, device or stitch
    result = Signal(str)  # a result for the shown image arrived, for this head
    requested = Signal(object)  # SegmentRequest: results missing for what is shown
    images = Signal(object)  # OpenImage added to the session (or replacing its earlier copy)
    catalog = Signal()  # model entries were added or reread
    live = Signal(object)  # a LiveResult (or None): a training round's newest answer for the shown image


class ViewModel:
    """The window's state. Read fields as attributes; assign them to change them (an equal value
    emits nothing). `model` takes a ModelEntry and shows its family at the entry's own head."""

    def __init__(self, session: Session, store: Store | None = None):
        self.session = session
        self.store: Store = MemoryStore() if store is None else store
        self.events = ViewEvents()
        self._image: OpenImage | None = None
        self._family: dict[str, ModelEntry] = {}
        self._head = DEFAULT_HEAD
        self._device = usable_device("auto")
        self._stitch = 0
        self._opacity = DEFAULT_OPACITY
        self._hidden: frozenset[int] = frozenset()
        self._compare = self._changes = False
        self._class_index = 0
        self._show_background = False
        self._probe: tuple[int, int] | None = None
        self._probed: tuple[tuple, receptive.Probe | None] | None = None  # the last probe computed
        self._requested: tuple | None = None
        self.fresh: ResultKey | None = None  # the result just computed for the shown head (not "cached")
        self._derived: dict[tuple, Any] = {}  # statistics of results of the shown image
        self.live: Any = None  # LiveResult: shown instead of the head's result while a round trains

    def restore(self) -> None:
        """Take up the remembered choices: device, opacity, upsampling, then model and head."""
        store = self.store
        self._set("device", usable_device(str(store.value("device", "auto"))))
        self.opacity = float(store.value("opacity", DEFAULT_OPACITY))
        self.show_background = str(store.value("show_background", False)).lower() in ("true", "1")
        stitch = str(store.value("stitch", 0))
        self.stitch = int(stitch) if stitch.isdigit() and int(stitch) in STITCH_FACTORS else 0
        saved_head = str(store.value("head", DEFAULT_HEAD))
        saved = store.value("model")
        model = self.session.catalog.find(saved) if saved else None
        self.model = model or self.session.catalog.default()
        if saved_head in self._family:
            self.head = saved_head

    # ----- fields ------------------------------------------------------------------------------
    @property
    def image(self) -> OpenImage | None:
        return self._image

    @image.setter
    def image(self, image: OpenImage | None) -> None:
        if (image is None) == (self._image is None) and (image is None or image.key == self._image.key):
            return
        self._image = image
        self._derived.clear()
        self.probe = None  # the pixel belonged to the image that was shown
        self.events.image.emit(image)
        self._shown()

    @property
    def model(self) -> ModelEntry | None:
        """The entry that was chosen (the family's own entry for the shown head is `entry`)."""
        return self.entry

    @model.setter
    def model(self, entry: ModelEntry | None) -> None:
        """Always takes effect: a reread entry (a training run rewrote its file) replaces the old."""
        names = self.class_names
        self._family = self.session.catalog.heads(entry) if entry is not None else {}
        if entry is not None:
            self._head = entry.head
            self.store.setValue("model", str(entry.path))
            # The head the model brings is the shown one: remembered with it, or a relaunch would
            # come back on the head switched to before (the 32s clicked before picking fcn8s).
            self.store.setValue("head", entry.head)
        if self.class_names != names:  # toggles and the inspected class belong to the old classes
            self.hidden = frozenset()
            self.class_index = 1 if len(self.class_names) > 1 else 0
        self.events.model.emit(entry)
        self.events.head.emit(self._head)
        self._shown()

    @property
    def head(self) -> str:
        return self._head

    @head.setter
    def head(self, head: str) -> None:
        if head not in self._family:
            return
        self.store.setValue("head", head)
        if head != self._head:
            self._head = head
            self.events.head.emit(head)
            self._shown()

    @property
    def device(self) -> str:
        return self._device

    @device.setter
    def device(self, device: str) -> None:
        self.store.setValue("device", device)
        if self._set("device", device):
            self._shown()

    @property
    def stitch(self) -> int:
        return self._stitch

    @stitch.setter
    def stitch(self, factor: int) -> None:
        self.store.setValue("stitch", factor)
        if self._set("stitch", int(factor)):
            self._shown()

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        value = float(np.clip(value, 0.0, 1.0))
        if self._set("opacity", value):
            self.store.setValue("opacity", value)

    @property
    def hidden(self) -> frozenset[int]:
        return self._hidden

    @hidden.setter
    def hidden(self, classes) -> None:
        self._set("hidden", frozenset(int(k) for k in classes))

    @property
    def compare(self) -> bool:
        return self._compare

    @compare.setter
    def compare(self, on: bool) -> None:
        self._set("compare", bool(on))

    @property
    def changes(self) -> bool:
        return self._changes

    @changes.setter
    def changes(self, on: bool) -> None:
        self._set("changes", bool(on))

    @property
    def class_index(self) -> int:
        return self._class_index

    @class_index.setter
    def class_index(self, k: int) -> None:
        self._set("class_index", max(int(k), 0))

    @property
    def show_background(self) -> bool:
        """Whether the background class is coloured; off (transparent), as Cellpose and napari draw labels."""
        return self._show_background

    @show_background.setter
    def show_background(self, on: bool) -> None:
        self.store.setValue("show_background", bool(on))
        self._set("show_background", bool(on))

    @property
    def probe(self) -> tuple[int, int] | None:
        """Image pixel (x, y) whose receptive field and feeding cells are drawn, or None."""
        return self._probe

    @probe.setter
    def probe(self, pixel: tuple[int, int] | None) -> None:
        self._set("probe", None if pixel is None else (int(pixel[0]), int(pixel[1])))

    def _set(self, name: str, value: Any) -> bool:
        """Store and emit a plain field; False when it already had that value."""
        if getattr(self, f"_{name}") == value:
            return False
        setattr(self, f"_{name}", value)
        getattr(self.events, name).emit(value)
        return True

    # ----- derived -----------------------------------------------------------------------------
    @property
    def family(self) -> dict[str, ModelEntry]:
        return dict(self._family)

    @property
    def entry(self) -> ModelEntry | None:
        """The model whose result the main view shows (the family's model for the current head)."""
        return self._family.get(self._head)

    @property
    def class_names(self) -> list[str]:
        if self._live_shown():
            return list(self.live.class_names)
        return list(self.entry.info.class_names) if self.entry is not None else []

    @property
    def palette(self) -> np.ndarray:
        if self._live_shown():
            return np.asarray(self.live.palette, dtype=np.uint8)
        return np.array(self.entry.info.palette, dtype=np.uint8) if self.entry is not None else np.zeros((0, 3), np.uint8)

    @property
    def transparent(self) -> frozenset[int]:
        """The classes drawn transparent: the hidden ones, and the background unless it is shown."""
        names = [name.lower() for name in self.class_names]
        background = {names.index(BACKGROUND)} if BACKGROUND in names and not self._show_background else set()
        return self._hidden | background

    def _live_shown(self) -> bool:
        return self.live is not None and self._image is not None and self.live.image_key == self._image.key

    def label_lut(self) -> np.ndarray:
        """The colour table the views draw label maps through (opacity left to the views)."""
        return overlay.label_lut(self.palette, self.transparent)

    def probed(self) -> receptive.Probe | None:
        """What the probed pixel of the shown result depends on (None without a probe or a result);
        the last one is kept, so every widget drawing it costs one computation."""
        pred, entry = self.prediction(), self.entry
        if self._probe is None or pred is None:
            return None
        key = (self.key(), self._probe, self._class_index)
        if self._probed is None or self._probed[0] != key:
            factor = stitch_for(entry, self._stitch)
            model = self.session.segmenter(entry, self._device, stitch=factor).model
            names = self.class_names
            name = names[self._class_index] if self._class_index < len(names) else ""
            self._probed = key, receptive.probe_at(model, pred, *self._probe, self._class_index, name, bool(factor))
        return self._probed[1]

    def key(self, head: str | None = None) -> ResultKey | None:
        entry = self._family.get(head or self._head)
        if self._image is None or entry is None:
            return None
        return self.session.key(self._image, entry, self._device, stitch=self._stitch)

    def prediction(self, head: str | None = None):
        """The cached result of `head` (the shown one by default) on the shown image, or None;
        while a training round shows its live answer for this image, that one for the shown head."""
        if (head is None or head == self._head) and self._live_shown():
            return self.live.prediction
        entry = self._family.get(head or self._head)
        if self._image is None or entry is None:
            return None
        return self.session.cached(self._image, entry, self._device, stitch=self._stitch)

    def from_cache(self) -> bool:
        """Whether the shown result was there before this view asked (the status bar's "(cached)")."""
        return self.key() != self.fresh

    def head_label(self, head: str) -> str:
        """`32s`, or `32s stitched ×4` when the 32s head runs shift-and-stitch."""
        entry = self._family.get(head)
        factor = stitch_for(entry, self._stitch) if entry is not None else 0
        return f"{head} stitched ×{factor}" if factor else head

    def missing(self) -> list[ModelEntry]:
        """The family's heads with no result for the shown image yet: the shown head first, then
        the others finest first (the head switch and the comparison grid then cost nothing)."""
        if self._image is None:
            return []
        order = [self._head] + [h for h in reversed(HEADS) if h in self._family and h != self._head]
        return [self._family[h] for h in order if h in self._family and self.prediction(h) is None]

    def metrics(self, head: str | None = None) -> dict | None:
        """The paper's metrics of `head`'s result against the image's truth (None without either);
        computed once per result."""
        pred, key = self.prediction(head), self.key(head)
        if pred is None or self._image.truth is None or self._live_shown():
            return None
        return self._derive(("metrics", key), lambda: analysis.image_metrics(
            pred.labels, self._image.truth, self.entry.info.num_classes))

    def skip_changes(self, head: str) -> np.ndarray | None:
        """Pixels whose label the skip into `head` changed relative to the next coarser head (None
        for 32s or while either result is missing); computed once per pair of results."""
        i = HEADS.index(head)
        if i == 0:
            return None
        fine, coarse = self.prediction(head), self.prediction(HEADS[i - 1])
        if fine is None or coarse is None:
            return None
        return self._derive(("changes", self.key(head), self.key(HEADS[i - 1])),
                            lambda: analysis.skip_changes(coarse.labels, fine.labels))

    def skip_note(self, head: str | None = None) -> str:
        """What the skip marks of `head` (the shown one) say, for the single view's legend:
        "1 234 px (3.1 %) changed by the skips (FCN-8s vs 16s)", or why there are none ("" while
        a result is still being computed)."""
        head = head or self._head
        i = HEADS.index(head)
        if i == 0:
            return f"FCN-{head} has no skip layers: pick {' or '.join(HEADS[1:])} to see where the skips changed the answer"
        coarser = HEADS[i - 1]
        if coarser not in self._family:
            return f"no FCN-{coarser} in this family to compare FCN-{head} with"
        changed = self.skip_changes(head)
        if changed is None:
            return ""
        n = int(changed.sum())
        return f"{n:,} px ({100 * n / changed.size:.1f} %) changed by the skips (FCN-{head} vs {coarser})".replace(",", " ")

    def _derive(self, key: tuple, compute: Callable[[], Any]) -> Any:
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def hover_text(self, x: int, y: int) -> str:
        """The status line for image pixel (x, y): class, score, head, and the truth there."""
        pred = self.prediction()
        hit = analysis.pixel_readout(pred, x, y) if pred is not None and x >= 0 else None
        if hit is None:
            return ""
        label, score = hit
        names, truth = self.class_names, ""
        if self._image.truth is not None and not self._live_shown():  # truth is in the model's classes
            t = int(self._image.truth[y, x])
            truth = f" | truth: {names[t] if t < len(names) else 'void'}"
        source = self.live.label if self._live_shown() else self._head
        name = names[label] if label < len(names) else f"class {label}"
        return f"pixel ({x}, {y}): {name} {score:.2f} ({source}){truth}"

    # ----- what arrives ------------------------------------------------------------------------
    def add_image(self, image: OpenImage) -> OpenImage:
        """Add an opened image to the session (replacing an earlier copy of its file)."""
        image = self.session.add_image(image)
        self.events.images.emit(image)
        return image

    def add_result(self, result: HeadResult) -> None:
        """A SegmentJob's result: drawn if it is for the shown image, the shown head's marked fresh."""
        if self._image is None or result.image.key != self._image.key:
            return
        if result.entry == self.entry and not result.cached:
            self.fresh = self.key()
        self.events.result.emit(result.entry.head)

    def show_live(self, live: Any) -> None:
        """A training round's answer for an image (a LiveResult: image_key, prediction, class_names,
        palette, label), drawn in place of the shown head's result; None goes back to the head."""
        self.live = live
        self.fresh = None
        self.events.live.emit(live)
        self.events.result.emit(self._head)

    def opened_model(self, entry: ModelEntry) -> None:
        """A model file the user opened (already in the catalog): list it and show it."""
        self.events.catalog.emit()
        self.model = entry

    def add_model_file(self, path: str | Path) -> ModelEntry:
        """A model file written meanwhile (a training run's best model): listed, and reread where the
        shown family holds it, so its old results are not shown as the new model's."""
        entry = self.session.model_file(path)
        self._derived.clear()
        self.events.catalog.emit()
        current = self.entry
        if current is not None and entry.path in {e.path for e in self._family.values()}:
            self.model = entry if current.path == entry.path else current
        return entry

    def refresh(self) -> None:
        """Redraw what is shown and ask again for what is missing (after an error, say)."""
        self._requested = None
        self._shown()

    def _shown(self) -> None:
        self.fresh = None
        self.events.shown.emit()
        missing = self.missing() if self.entry is not None else []
        if not missing:
            self._requested = None
            return
        request = SegmentRequest(self._image, tuple(missing), self._device, self._stitch)
        if request.key != self._requested:
            self._requested = request.key
            self.events.requested.emit(request)
