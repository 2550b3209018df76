"""The model card: what the shown model is, what it was trained on, how well it did, its classes.

It follows the shown head (the family's own file for 32s / 16s / 8s), not only the family choice,
so it never names another file than the toolbar and status bar. Each card's laid-out document is
kept: parsing and laying out a card's HTML again costs ~5 ms of every head switch.
"""

from __future__ import annotations

import html

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

from ..app.annotate.round_summary import ROUND_NOTE, metrics_caveat, round_note, round_status
from ..app.catalog import ModelEntry, display_arch, trained_on
from ..app.view_model import ViewModel

CARDS_KEPT = 8  # a few families' heads; older cards are laid out again when shown
METRIC_NAMES = {"pixel_acc": "pixel acc.", "mean_acc": "mean acc.", "mean_iu": "mean IU", "fwiu": "f.w. IU"}


class ModelCard(QTextBrowser):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.shown: ModelEntry | None = None
        self._cards: dict[str, QTextDocument] = {}  # by HTML, oldest first
        self.show_entry(None)

    def bind(self, vm: ViewModel) -> None:
        for signal in (vm.events.model, vm.events.head, vm.events.catalog):
            signal.connect(lambda *_: self._follow(vm))
        self._follow(vm)

    def _follow(self, vm: ViewModel) -> None:
        """Redraw for the shown head's entry (a reread file counts as new: its metrics changed)."""
        entry = vm.entry
        if entry is self.shown and entry is not None:
            return
        self.shown = entry
        self.show_entry(entry, list(vm.family))

    def show_entry(self, entry: ModelEntry | None, heads: list[str] | None = None) -> None:
        text = card_html(entry, heads)
        card = self._cards.pop(text, None)
        if card is None:
            card = QTextDocument(self)
            card.setHtml(text)
            if len(self._cards) >= CARDS_KEPT:  # the oldest: never the one shown, which is the newest
                self._cards.pop(next(iter(self._cards))).deleteLater()
        self._cards[text] = card
        self.setDocument(card)


def card_html(entry: ModelEntry | None, heads: list[str] | None = None) -> str:
    """What the card says about `entry` (None: how to open a model), as HTML."""
    if entry is None:
        return ("<p><b>No model.</b></p><p>Open a model file with <i>Model ▸ Open…</i> "
                "(.safetensors, pytorch-fcn .pth, Caffe .caffemodel).</p>")
    info = entry.info
    e = html.escape
    family = f"<br>heads in family: {e(', '.join(heads))}" if heads else ""
    rows = [f"<h3>{e(display_arch(info.arch))} — {e(entry.family_name)}</h3>",
            f"<p>{e(entry.path.name)}{' (shipped)' if entry.shipped else ''}<br>"
            f"{info.num_classes} classes, width {info.width:g}, input {info.input.channel_order}"
            f"{family}</p>"]
    data = trained_on(info)
    if data or info.recipe:
        rows.append(f"<p><b>Trained on</b> {e(data or 'data it does not name')}")
        if entry.scenes_only:
            rows.append(f"<br>It knows only the {info.num_classes} classes below, drawn on synthetic scenes: "
                        "in a photo (a cat, a street) it sees mostly background. For photos, import "
                        "trained weights (File ▸ Import weights…) or make a model for your own images.")
        extra = {k: v for k, v in info.recipe.items()
                 if k != "dataset" and isinstance(v, (int, float, str)) and v != ""}  # an empty field says nothing
        if extra:
            rows.append("<br><small>" + e(", ".join(f"{k} {v}" for k, v in list(extra.items())[:8])) + "</small>")
        rows.append("</p>")
    metrics = [f"{METRIC_NAMES.get(k, k)} {v:.3f}" for k, v in info.metrics.items()
               if isinstance(v, float) and k != "labelled_fraction"]
    if metrics:
        caveat = metrics_caveat(info.metrics, info.notes)  # a score on scribbles is never shown bare
        rows.append(f"<p><b>Metrics</b> {e(', '.join(metrics))}"
                    + (f"<br><i>{e(caveat)}</i>" if caveat else "") + "</p>")
    note = round_note(info.notes)
    if note is not None:
        title = f"round {note.get('number', '?')}"
        rows.append(f"<p><b>Round</b> {e(round_status(title, note))}</p>")
    swatches = "".join(
        f"<tr><td style='background-color: rgb({r},{g},{b})'>&nbsp;&nbsp;&nbsp;&nbsp;</td><td>&nbsp;{e(name)}</td></tr>"
        for name, (r, g, b) in zip(info.class_names, info.palette))
    rows.append(f"<p><b>Classes</b></p><table cellspacing='2'>{swatches}</table>")
    notes = {k: v for k, v in info.notes.items()
             if k not in ("family", ROUND_NOTE) and not (k == "data" and data) and v not in ("", None, [], {})}
    if notes:
        rows.append("<p><small>" + e("; ".join(f"{k}: {v}" for k, v in notes.items())) + "</small></p>")
    return "".join(rows)
