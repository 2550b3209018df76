"""The sentences the window says about what it shows: head names, timings, skip notes, the hover line.

Kept apart from the state so that a wording is changed in one place and tested without Qt; each
function reads the view model and returns plain text.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import analysis
from .catalog import HEADS
from .session import stitch_for

if TYPE_CHECKING:
    from .view_model import ViewModel


def head_label(vm: ViewModel, head: str) -> str:
    """`FCN-32s`, or `FCN-32s stitched ×4` when the 32s head runs shift-and-stitch (never a bare
    "8s", which reads as eight seconds)."""
    entry = vm.family.get(head)
    factor = stitch_for(entry, vm.stitch) if entry is not None else 0
    return f"FCN-{head} stitched ×{factor}" if factor else f"FCN-{head}"


def timing(vm: ViewModel) -> str:
    """"FCN-8s · 553 ms (cached)" for the shown result, "FCN-8s: computing…" while it is missing."""
    pred, live = vm.prediction(), vm.live_shown()
    if live is not None:  # a round's newest weights, or the live head: each says what it is and what it took
        return live.sentence
    name = head_label(vm, vm.head)
    if pred is None:
        return f"{name}: computing…"
    cached = " (cached)" if vm.from_cache() else ""
    note = f" — {pred.note}" if pred.note else ""
    return f"{name} · {pred.seconds * 1000:.0f} ms{cached}{note}"


def missing_maps(vm: ViewModel) -> str:
    """Why *Inside the net* has no maps of the shown result to draw, said at once (never another
    image's maps meanwhile)."""
    pred = vm.prediction()
    if vm.image is None or vm.entry is None:
        return ""
    if pred is None:
        return f"FCN-{vm.head}: computing…"
    if vm.live_shown() is not None:
        return "a training round's live answer keeps no internal maps: pick a head to see them"
    if not pred.intermediates or pred.geometry is None:
        return ("this result kept no internal maps: the image is too large for one forward pass and was "
                "segmented in tiles; the maps are drawn for images that fit in one pass")
    return ""


def skip_note(vm: ViewModel, head: str | None = None) -> str:
    """What the skip marks of `head` (the shown one) say, for the single view's legend:
    "1 234 px (3.1 %) changed by the skips (FCN-8s vs 16s)", or why there are none ("" while
    a result is still being computed)."""
    head = head or vm.head
    i = HEADS.index(head)
    if i == 0:
        return f"FCN-{head} has no skip layers: pick {' or '.join(HEADS[1:])} to see where the skips changed the answer"
    coarser = HEADS[i - 1]
    if coarser not in vm.family:
        return f"no FCN-{coarser} in this family to compare FCN-{head} with"
    changed = vm.skip_changes(head)
    if changed is None:
        return ""
    n = int(changed.sum())
    return f"{n:,} px ({100 * n / changed.size:.1f} %) changed by the skips (FCN-{head} vs {coarser})".replace(",", " ")


def hover_text(vm: ViewModel, x: int, y: int) -> str:
    """The status line for image pixel (x, y): class, score (where the result kept scores), head,
    and the truth there."""
    pred = vm.prediction()
    hit = analysis.pixel_readout(pred, x, y) if pred is not None and x >= 0 else None
    if hit is None:
        return ""
    label, score = hit
    names, truth, live = vm.class_names, "", vm.live_shown()
    if vm.image.truth is not None and live is None:  # truth is in the model's classes
        t = int(vm.image.truth[y, x])
        truth = f" | truth: {names[t] if t < len(names) else 'void'}"
    source = live.label if live is not None else f"FCN-{vm.head}"  # "(8s)" alone reads as eight seconds
    name = names[label] if label < len(names) else f"class {label}"
    sure = f" {score:.2f}" if not math.isnan(score) else ""  # the live head's answer keeps no scores
    return f"pixel ({x}, {y}): {name}{sure} ({source}){truth}"
