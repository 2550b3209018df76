"""The comparison grid's shape: whichever draws the image largest in the panel."""

import pytest

from fcn_studio.app.grid_shape import best_grid, pane_scale


def test_four_panes_in_the_default_window_are_two_by_two():
    """The default window's centre (~750 × 620 px) and a 4:3 scene: 2 × 2 draws it twice as large as 1 × 4."""
    assert best_grid(4, (750, 620), (320, 240), title_height=54, spacing=6) == (2, 2)
    assert pane_scale(2, 2, (750, 620), (320, 240), 54, 6) > 1.7 * pane_scale(1, 4, (750, 620), (320, 240), 54, 6)


def test_a_very_wide_panel_keeps_one_row_and_a_tall_one_one_column():
    assert best_grid(4, (2400, 500), (320, 240), title_height=54) == (1, 4)
    assert best_grid(4, (400, 1800), (320, 240), title_height=54) == (4, 1)
    assert best_grid(3, (1500, 700), (320, 240), title_height=54) == (1, 3)


def test_shapes_with_an_empty_row_are_not_used_and_one_pane_is_one_cell():
    # Three panes never get a 3 × 2 or 2 × 3 grid with a row left empty.
    for panel in [(500, 500), (900, 500), (500, 900), (300, 1500)]:
        rows, cols = best_grid(3, panel, (100, 100))
        assert cols * (rows - 1) < 3 <= rows * cols
    assert best_grid(1, (10, 10), (100, 100)) == (1, 1)
    assert best_grid(0, (10, 10), (100, 100)) == (1, 1)


def test_pane_scale_is_the_smaller_fit_and_never_negative():
    assert pane_scale(1, 2, (200, 100), (50, 100)) == pytest.approx(1.0)  # height-bound: 100 / 100
    assert pane_scale(1, 2, (200, 400), (50, 100)) == pytest.approx(2.0)  # width-bound: 100 / 50
    assert pane_scale(4, 1, (100, 100), (10, 10), title_height=54) == 0.0
