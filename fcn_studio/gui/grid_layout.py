"""Grids of linked image views (the compare grid, the internals panel): equal cells, one leader."""

from __future__ import annotations

from typing import Iterable

import pyqtgraph as pg


def equal_columns(widget: pg.GraphicsLayoutWidget, columns: int, titles: Iterable[pg.LabelItem], minimum: float) -> float:
    """Give every column the same width, whatever its title says; returns that width.

    Linked views copy one view's ranges; only equal cells keep the copied pixels square.
    """
    layout = widget.ci.layout
    left, _, right, _ = layout.getContentsMargins()
    spacing = layout.horizontalSpacing()
    width = max((widget.viewport().width() - left - right - spacing * (columns - 1)) / columns, minimum)
    for col in range(columns):
        layout.setColumnFixedWidth(col, width)
    for title in titles:
        title.setMinimumWidth(0)
    return width


def equal_rows(widget: pg.GraphicsLayoutWidget, rows: int, title_height: float, minimum: float) -> float:
    """Give every view row (the odd rows, under their titles) the same height; returns it.

    As `equal_columns`: linked views need equal cells to keep the copied pixels square.
    """
    layout = widget.ci.layout
    _, top, _, bottom = layout.getContentsMargins()
    spacing = layout.verticalSpacing()
    height = max((widget.viewport().height() - top - bottom - rows * title_height - spacing * (2 * rows - 1)) / rows,
                 minimum)
    for row in range(rows):
        layout.setRowFixedHeight(2 * row + 1, height)
    return height


def link_views(views: list[pg.ViewBox]) -> None:
    """The first view keeps its aspect lock; the others copy its ranges.

    Two aspect-locked views linked both ways widen each other's ranges in turn (each fits the
    other's rectangle to its own aspect), which drew every image at about half the size its cell
    allows. With equal cells the copied ranges keep the pixels square.
    """
    for view in views[1:]:
        view.setAspectLocked(False)
        view.setXLink(views[0])
        view.setYLink(views[0])
