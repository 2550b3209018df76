"""What a training round says about itself: the model it kept, why, and how far its score can be trusted.

A round's model file carries `notes["round"]` (written by `kept_model.keep`): the project, the
round's number, its updates, the update it kept and why, its settings, and its held-out score with
what that score covers. Every place that shows a round — the Annotate training box, the round's
status line, the model picker, the Model card — words it here, so a score measured on scribbles is
never shown as a bare figure anywhere: only fully painted test images give one without the caveat.
"""

from __future__ import annotations

from typing import Any, Mapping

from ...training.scores import coverage

INIT_MODEL = "init.safetensors"  # a round's starting point (the shown model, adapted): never offered as a model
ROUND_NOTE = "round"
PAINT_IT_ALL = ("paint the test image completely (Accept the prediction, then fix it) and mark it fully painted "
                "for a trustworthy figure")


def held_out_summary(metrics: Mapping[str, Any] | None, dense: bool, coverage: str) -> dict[str, Any] | None:
    """The held-out score a round reports: mean IU, whether it is measured on fully painted test
    images, on how many images, and `coverage` (`training.evaluate.coverage`'s words)."""
    if not metrics or metrics.get("mean_iu") is None:
        return None
    return {"mean_iu": float(metrics["mean_iu"]), "dense": dense, "images": int(metrics.get("images", 0)),
            "labelled_pixels": int(metrics.get("labelled_pixels", 0)),
            "labelled_fraction": float(metrics.get("labelled_fraction", 0.0)), "coverage": coverage}


def _images(n: int) -> str:
    return f"{n} image{'s' if n != 1 else ''}"


def score_text(held_out: Mapping[str, Any] | None, short: bool = False) -> str:
    """"held-out mean IU 0.81 (dense, 2 images)"; a sparse score always with what it covers and,
    unless `short`, what to do about it."""
    if not held_out:
        return "no held-out score (keep a painted image for testing to measure the model)"
    figure = f"held-out mean IU {held_out['mean_iu']:.2f}"
    if held_out.get("dense"):
        return f"{figure} (dense, {_images(held_out.get('images', 0))})"
    if short:
        percent = 100 * held_out.get("labelled_fraction", 0.0)
        shown = f"{percent:.0f}" if percent >= 1 else f"{percent:.1g}"
        return f"{figure} (sparse: {shown} % of {_images(held_out.get('images', 0))}, not trustworthy)"
    return f"{figure} {held_out.get('coverage', '')} — {PAINT_IT_ALL}"


def metrics_caveat(metrics: Mapping[str, Any], notes: Mapping[str, Any] | None = None) -> str:
    """"" for a score measured on fully labelled images, on test images the user marked fully
    painted (a round's note says so), or one that does not say; otherwise what it covers and how to
    make it trustworthy — the words every figure of a sparse mask carries."""
    note = round_note(notes or {})
    if note is not None and (note.get("held_out") or {}).get("dense"):
        return ""
    if "labelled_pixels" not in metrics or metrics.get("dense_images") == metrics.get("images"):
        return ""
    return f"{coverage(metrics)} — {PAINT_IT_ALL}"


def round_note(notes: Mapping[str, Any]) -> dict[str, Any] | None:
    note = notes.get(ROUND_NOTE)
    return note if isinstance(note, dict) else None


def round_label(note: Mapping[str, Any]) -> str:
    """The model picker's name of a round: "coins · round 2 · 300 updates · held-out mean IU 0.81 (dense, 2 images)"."""
    return (f"{note.get('project', '?')} · round {note.get('number', '?')} · {note.get('updates', '?')} updates · "
            f"{score_text(note.get('held_out'), short=True)}")


def round_tooltip(note: Mapping[str, Any]) -> str:
    """The round's settings and what it kept, one line each (the picker's tooltip)."""
    lines = [f"started from {note['started_from']}"] if note.get("started_from") else []
    lines += [f"{key.replace('_', ' ')}: {value}" for key, value in (note.get("settings") or {}).items()]
    lines += [note.get("kept_reason", ""), score_text(note.get("held_out"))]
    return "\n".join(line for line in lines if line)


def round_status(name: str, note: Mapping[str, Any]) -> str:
    """The round's status line: what it kept and why, and its score with what it covers."""
    return f"{name}: {note.get('kept_reason', '')}; {score_text(note.get('held_out'))}"
