"""The window's choices, declared once as an evented dataclass (psygnal; napari's pattern).

Assigning a field emits its own signal with (new, old) value, and only when the value changed;
`__setattr__` first brings a value into the field's range (an opacity above 1 is 1, hidden classes
are a frozenset), so an out-of-range value never reaches a listener. What follows from several
fields or comes from outside (a model chosen, a result arrived, results requested) has a signal of
its own in the same group, so a widget subscribes to `events` for everything.

`live` is the one override of what is drawn: a training round's newest answer (`LiveResult`) for
one image, shown in place of the shown head's result while that image is shown; None shows the head.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar

import numpy as np
from psygnal import Signal, SignalGroup, SignalGroupDescriptor

if TYPE_CHECKING:
    from .annotate.jobs import LiveResult
    from .session import OpenImage

STITCH_FACTORS = (0, 2, 4, 8, 32)  # 0: the learned upsampling; f: shift-and-stitch by f (CVPR §3.2)
DEFAULT_HEAD = "8s"
DEFAULT_OPACITY = 0.5


class ViewSignals(SignalGroup):
    """Beside each field's signal: what follows from several fields or arrives from outside."""

    model = Signal(object)  # ModelEntry | None: the family (and its classes) changed
    shown = Signal()  # which results are shown changed: image, model, head, device or stitch
    result = Signal(str)  # a result for the shown image arrived, for this head
    requested = Signal(object)  # SegmentRequest: results missing for what is shown
    images = Signal(object)  # OpenImage added to the session (or replacing its earlier copy)
    catalog = Signal()  # model entries were added or reread


def _same_image(a: OpenImage | None, b: OpenImage | None) -> bool:
    """Same file at the same modification time (an image's pixels are not compared)."""
    return a is b or (a is not None and b is not None and a.key == b.key)


def _pixel(pixel: Any) -> tuple[int, int] | None:
    return None if pixel is None else (int(pixel[0]), int(pixel[1]))


_COERCE: dict[str, Callable[[Any], Any]] = {
    "stitch": int,
    "opacity": lambda v: float(np.clip(float(v), 0.0, 1.0)),
    "hidden": lambda classes: frozenset(int(k) for k in classes),
    "compare": bool,
    "changes": bool,
    "class_index": lambda k: max(int(k), 0),
    "show_background": bool,
    "probe": _pixel,
}


@dataclass(eq=False)
class ViewState:
    """What the window shows, apart from the model family (which the session's catalog derives)."""

    events: ClassVar[SignalGroupDescriptor] = SignalGroupDescriptor(
        signal_group_class=ViewSignals, equality_operators={"image": _same_image, "live": lambda a, b: a is b})

    image: OpenImage | None = None
    head: str = DEFAULT_HEAD  # the shown member of the family: "32s", "16s", "8s"
    device: str = "cpu"
    stitch: int = 0  # how a 32s head upsamples: one of STITCH_FACTORS
    opacity: float = DEFAULT_OPACITY
    hidden: frozenset[int] = field(default_factory=frozenset)  # classes not drawn
    compare: bool = False  # the comparison grid instead of the single view
    changes: bool = False  # mark the pixels the skips changed
    class_index: int = 0  # the class *Inside the net* and the probe explain
    show_background: bool = False  # colour the background class (transparent, as napari draws labels)
    probe: tuple[int, int] | None = None  # the image pixel whose receptive field is drawn
    live: LiveResult | None = None  # a training round's answer drawn instead of the head's result

    def __setattr__(self, name: str, value: Any) -> None:
        coerce = _COERCE.get(name)
        super().__setattr__(name, value if coerce is None else coerce(value))
