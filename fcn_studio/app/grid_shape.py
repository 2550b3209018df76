"""The grid shape that draws equal image panes largest in a given panel (the comparison grid).

Four heads side by side in a panel of the default window gave tall, narrow panes with ~165 px
images; 2 × 2 gives them twice the size. Which shape wins depends on the panel's and the image's
aspect ratios, so it is computed, not fixed: a pure function the view calls on every resize.
"""

from __future__ import annotations

import math


def pane_scale(rows: int, cols: int, panel: tuple[float, float], image: tuple[int, int],
               title_height: float = 0.0, spacing: float = 0.0) -> float:
    """Screen pixels per image pixel when `rows` × `cols` panes share `panel` (width, height), each
    pane a title of `title_height` above an aspect-locked view of the `image` (width, height)."""
    width, height = panel
    cell_w = (width - spacing * (cols - 1)) / cols
    cell_h = (height - rows * title_height - spacing * (2 * rows - 1)) / rows
    return max(min(cell_w / max(image[0], 1), cell_h / max(image[1], 1)), 0.0)


def best_grid(count: int, panel: tuple[float, float], image: tuple[int, int], title_height: float = 0.0,
              spacing: float = 0.0) -> tuple[int, int]:
    """(rows, columns) for `count` panes that gives the largest image; ties go to fewer rows
    (the side-by-side reading of the paper's figures). Shapes with an empty row are not tried."""
    if count <= 1:
        return 1, 1
    best, best_scale = (1, count), -1.0
    for rows in range(1, count + 1):
        cols = math.ceil(count / rows)
        if cols * (rows - 1) >= count:
            continue
        scale = pane_scale(rows, cols, panel, image, title_height, spacing)
        if scale > best_scale * (1 + 1e-9):
            best, best_scale = (rows, cols), scale
    return best
