"""The paper's scores: which metrics a summary shows, the boundary band's default width, and their
wording as text (a headline line, the band, a per-class IU table).

`evaluate` computes them; `eval`, the end of `train`, the experiment tables and TensorBoard show
them. Torch-free, so the command line can offer the band's default without loading PyTorch, and
one home for the words of a score (cli/ holds subcommands only).
"""

from __future__ import annotations

import math
from typing import Any

DEFAULT_BAND = 4
PAPER_METRICS = ("pixel_acc", "mean_acc", "mean_iu", "fwiu")  # CVPR §5's four, in its tables' order


def headline(metrics: dict[str, Any]) -> dict[str, float | None]:
    """The numbers every summary shows (README and experiment tables, model metadata, the CLI):
    the paper's four under the metrics' own keys, then mean IU near boundaries and inside
    (`boundary_iu`, `interior_iu`) where the evaluation measured them. Missing values are None."""
    out = {key: metrics.get(key) for key in PAPER_METRICS}
    for part in ("boundary", "interior"):
        if part in metrics:
            out[f"{part}_iu"] = metrics[part].get("mean_iu")
    return out


LABELS = dict(zip(PAPER_METRICS, ("pixel acc", "mean acc", "mean IU", "f.w. IU")))


def pct(value: Any) -> str:
    return "  n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{100 * value:5.1f}"


def headline_line(metrics: dict[str, Any]) -> str:
    """`pixel acc 91.2 · mean acc 80.1 · mean IU 70.3 · f.w. IU 85.0` (percent, as the paper)."""
    return " · ".join(f"{LABELS[key]} {pct(value).strip()}" for key, value in headline(metrics).items() if key in LABELS)


def band_line(metrics: dict[str, Any]) -> str:
    if "boundary" not in metrics:
        return ""
    return (f"mean IU within {metrics['band_px']} px of boundaries {pct(metrics['boundary']['mean_iu']).strip()}, "
            f"interior {pct(metrics['interior']['mean_iu']).strip()}")


def class_table(metrics: dict[str, Any]) -> str:
    """Per-class IU (whole image, boundary band, interior), one row per class."""
    names = metrics.get("class_names") or [f"class {k}" for k in range(len(metrics["iu"]))]
    width = max(12, *(len(n) for n in names))
    has_band = "boundary" in metrics
    head = f"{'class':<{width}}  {'IU':>5}" + (f"  {'band':>5}  {'inner':>5}" if has_band else "")
    rows = [head, "-" * len(head)]
    for k, name in enumerate(names):
        row = f"{name:<{width}}  {pct(metrics['iu'][k])}"
        if has_band:
            row += f"  {pct(metrics['boundary']['iu'][k])}  {pct(metrics['interior']['iu'][k])}"
        rows.append(row)
    return "\n".join(rows)


def coverage(metrics: dict[str, Any]) -> str:
    """What a score was measured on, for every place that shows one: "on 1 204 labelled pixels, 3 %
    of 1 image" — and "(fully labelled)" only where every scored image is labelled everywhere, the
    one case where the figure needs no caveat."""
    labelled, images = metrics.get("labelled_pixels", 0), metrics.get("images", 0)
    count = f"{labelled:,}".replace(",", " ")
    what = f"{images} image{'s' if images != 1 else ''}"
    if images and metrics.get("dense_images") == images:
        return f"on {count} labelled pixels of {what} (fully labelled)"
    percent = 100 * metrics.get("labelled_fraction", 0.0)
    if percent >= 99:  # never rounded up to a full 100 %
        shown = f"{math.floor(percent * 10) / 10:.1f}"
    else:
        shown = f"{percent:.0f}" if percent >= 1 else f"{percent:.1g}"
    return f"on {count} labelled pixels, {shown} % of {what}"
