"""What the window shows, as a Qt-free evented model (napari's `ViewerModel` is the pattern).

The choices live in `ViewState` (`view_state.py`, an evented dataclass); this object adds what the
session derives from them: the model family and the entry shown, the results and the statistics
drawn from them (computed once per result and kept), the receptive-field probe, and, whenever what
is shown changes, one `requested` event per new need (`segment_requests.py`). Whoever runs jobs
turns a request into a SegmentJob and hands the results back through `add_result`. What is
remembered between launches is bound in `view_settings.py`; what the window says about it is
worded in `view_sentences.py`. A test sets the state without Qt and checks what is requested and
what would be drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

import numpy as np

from . import analysis, overlay, view_settings
from .catalog import HEADS, ModelEntry
from .probe import Probe, probe_at
from .device_choice import usable_device
from .jobs import HeadResult
from .results import ResultKey
from .segment_requests import RequestLog, SegmentRequest, missing_heads
from .session import OpenImage, Session, stitch_for
from .view_settings import MemoryStore, Store
from .view_state import ViewSignals, ViewState

if TYPE_CHECKING:
    from ..engine import Prediction
    from .annotate.jobs import LiveResult

BACKGROUND = "background"  # a class of this name (VOC's class 0) is drawn transparent unless asked
T = TypeVar("T")


class StateField(Generic[T]):
    """A `ViewState` field read and assigned on the view model (`vm.opacity = 0.3`)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, vm: ViewModel, owner: type | None = None) -> T:
        return getattr(vm.state, self.name)

    def __set__(self, vm: ViewModel, value: T) -> None:
        setattr(vm.state, self.name, value)


class ViewModel:
    """The window's state. Read fields as attributes; assign them to change them (an equal value
    emits nothing). `model` takes a ModelEntry and shows its family at the entry's own head."""

    image: StateField[OpenImage | None] = StateField()
    device: StateField[str] = StateField()
    stitch: StateField[int] = StateField()
    opacity: StateField[float] = StateField()
    hidden: StateField[frozenset[int]] = StateField()
    compare: StateField[bool] = StateField()
    changes: StateField[bool] = StateField()
    class_index: StateField[int] = StateField()
    show_background: StateField[bool] = StateField()
    probe: StateField[tuple[int, int] | None] = StateField()  # the pixel whose receptive field is drawn

    def __init__(self, session: Session, store: Store | None = None):
        self.session = session
        self.store: Store = MemoryStore() if store is None else store
        self.state = ViewState(device=usable_device("auto"))
        self.events: ViewSignals = self.state.events
        self._family: dict[str, ModelEntry] = {}
        self._requests = RequestLog()
        self._probed: tuple[tuple, Probe | None] | None = None  # the last probe computed
        self._derived: dict[tuple, Any] = {}  # statistics of results of the shown image
        self.fresh: ResultKey | None = None  # the result just computed for the shown head (not "cached")
        # Before the widgets' own handlers: a new image's probe and statistics are gone when they draw.
        self.events.image.connect(self._forget_image, priority=100)
        # After them: the widgets have taken the new field up when `shown` and `requested` follow.
        for name in ("image", "head", "device", "stitch"):
            self.events[name].connect(self._shown, priority=-100)
        view_settings.remember(self, self.store)

    def restore(self) -> None:
        """Take up the remembered choices (see `view_settings.restore`)."""
        view_settings.restore(self, self.store)

    # ----- fields with rules of their own ------------------------------------------------------
    @property
    def model(self) -> ModelEntry | None:
        """The entry that was chosen (the family's own entry for the shown head is `entry`)."""
        return self.entry

    @model.setter
    def model(self, entry: ModelEntry | None) -> None:
        """Always takes effect: a reread entry (a training run rewrote its file) replaces the old.
        The head the model brings is the shown one (and remembered with it)."""
        names = self.class_names
        self._family = self.session.catalog.heads(entry) if entry is not None else {}
        old = self.state.head
        if entry is not None:
            with self.events.head.blocked():
                self.state.head = entry.head
        if self.class_names != names:  # toggles and the inspected class belong to the old classes
            self.hidden = frozenset()
            self.class_index = 1 if len(self.class_names) > 1 else 0
        self.events.model.emit(entry)
        self.events.head.emit(self.state.head, old)

    @property
    def head(self) -> str:
        return self.state.head

    @head.setter
    def head(self, head: str) -> None:
        """A head the family does not have is ignored."""
        if head in self._family:
            self.state.head = head

    @property
    def live(self) -> LiveResult | None:
        """The training round's answer last shown (set through `show_live`)."""
        return self.state.live

    # ----- derived -----------------------------------------------------------------------------
    @property
    def family(self) -> dict[str, ModelEntry]:
        return dict(self._family)

    @property
    def entry(self) -> ModelEntry | None:
        """The model whose result the main view shows (the family's model for the current head)."""
        return self._family.get(self.head)

    def live_shown(self) -> LiveResult | None:
        """The live answer when it is for the shown image (what is drawn instead of the head's)."""
        live, image = self.state.live, self.image
        return live if live is not None and image is not None and live.image_key == image.key else None

    @property
    def class_names(self) -> list[str]:
        live = self.live_shown()
        if live is not None:
            return list(live.class_names)
        return list(self.entry.info.class_names) if self.entry is not None else []

    @property
    def palette(self) -> np.ndarray:
        live = self.live_shown()
        if live is not None:
            return np.asarray(live.palette, dtype=np.uint8)
        return np.array(self.entry.info.palette, dtype=np.uint8) if self.entry is not None else np.zeros((0, 3), np.uint8)

    @property
    def transparent(self) -> frozenset[int]:
        """The classes drawn transparent: the hidden ones, and the background unless it is shown."""
        names = [name.lower() for name in self.class_names]
        background = {names.index(BACKGROUND)} if BACKGROUND in names and not self.show_background else set()
        return self.hidden | background

    def label_lut(self) -> np.ndarray:
        """The colour table the views draw label maps through (opacity left to the views)."""
        return overlay.label_lut(self.palette, self.transparent)

    def probed(self) -> Probe | None:
        """What the probed pixel of the shown result depends on (None without a probe or a result);
        the last one is kept, so every widget drawing it costs one computation."""
        pred, entry, pixel = self.prediction(), self.entry, self.probe
        if pixel is None or pred is None:
            return None
        key = (self.key(), pixel, self.class_index)
        if self._probed is None or self._probed[0] != key:
            factor = stitch_for(entry, self.stitch)
            model = self.session.segmenter(entry, self.device, stitch=factor).model
            names = self.class_names
            name = names[self.class_index] if self.class_index < len(names) else ""
            self._probed = key, probe_at(model, pred, *pixel, self.class_index, name, bool(factor))
        return self._probed[1]

    def key(self, head: str | None = None) -> ResultKey | None:
        entry = self._family.get(head or self.head)
        if self.image is None or entry is None:
            return None
        return self.session.key(self.image, entry, self.device, stitch=self.stitch)

    def prediction(self, head: str | None = None) -> Prediction | None:
        """The cached result of `head` (the shown one by default) on the shown image, or None;
        while a training round shows its live answer for this image, that one for the shown head."""
        live = self.live_shown()
        if (head is None or head == self.head) and live is not None:
            return live.prediction
        entry = self._family.get(head or self.head)
        if self.image is None or entry is None:
            return None
        return self.session.cached(self.image, entry, self.device, stitch=self.stitch)

    def from_cache(self) -> bool:
        """Whether the shown result was there before this view asked (the status bar's "(cached)")."""
        return self.key() != self.fresh

    def missing(self) -> list[ModelEntry]:
        """The family's heads with no result for the shown image yet: the shown head first, then
        the others finest first (the head switch and the comparison grid then cost nothing)."""
        if self.image is None:
            return []
        return missing_heads(self._family, self.head, lambda h: self.prediction(h) is not None)

    def metrics(self, head: str | None = None) -> dict | None:
        """The paper's metrics of `head`'s result against the image's truth (None without either);
        computed once per result."""
        pred, key = self.prediction(head), self.key(head)
        if pred is None or self.image.truth is None or self.live_shown() is not None:
            return None
        return self._derive(("metrics", key), lambda: analysis.image_metrics(
            pred.labels, self.image.truth, self.entry.info.num_classes))

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

    def _derive(self, key: tuple, compute: Callable[[], Any]) -> Any:
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    # ----- what arrives ------------------------------------------------------------------------
    def add_image(self, image: OpenImage) -> OpenImage:
        """Add an opened image to the session (replacing an earlier copy of its file)."""
        image = self.session.add_image(image)
        self.events.images.emit(image)
        return image

    def add_result(self, result: HeadResult) -> None:
        """A SegmentJob's result: drawn if it is for the shown image, the shown head's marked fresh."""
        if self.image is None or result.image.key != self.image.key:
            return
        if result.entry == self.entry and not result.cached:
            self.fresh = self.key()
        self.events.result.emit(result.entry.head)

    def show_live(self, live: LiveResult | None) -> None:
        """A training round's answer for an image, drawn in place of the shown head's result;
        None goes back to the head."""
        self.fresh = None
        self.state.live = live
        self.events.result.emit(self.head)

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
        self._requests.forget()
        self._shown()

    def _forget_image(self) -> None:
        self._derived.clear()
        self.probe = None  # the pixel belonged to the image that was shown

    def _shown(self) -> None:
        self.fresh = None
        self.events.shown.emit()
        missing = self.missing() if self.entry is not None else []
        request = SegmentRequest(self.image, tuple(missing), self.device, self.stitch) if missing else None
        request = self._requests.ask(request)
        if request is not None:
            self.events.requested.emit(request)
