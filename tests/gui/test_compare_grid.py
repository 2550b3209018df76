"""The comparison grid draws each image as large as its cell allows, with square pixels, in the
grid shape that makes it largest."""

import pytest

from fcn_studio.app.grid_shape import best_grid
from tests.compact_models import write_image
from tests.gui.conftest import drop, wait_idle


def compare_grid(qtbot, window, tmp_path):
    """The grid of a 96 px image with its truth: four panes."""
    drop(window, [write_image(tmp_path / "a.png", size=96, mask=True)])
    wait_idle(qtbot, window, "a.png")
    window.actions.compare.trigger()
    qtbot.wait(50)
    return window.compare_view


def test_grid_images_fill_their_equal_cells_with_square_pixels(qtbot, window, tmp_path):
    grid = compare_grid(qtbot, window, tmp_path)
    grid.fit()
    qtbot.wait(50)
    views = [grid.panes[c].view for c in grid.columns]
    widths, heights = [v.width() for v in views], [v.height() for v in views]
    assert max(widths) - min(widths) <= 1  # the title text does not widen a column
    assert max(heights) - min(heights) <= 1
    for view in views:
        (x0, x1), (y0, y1) = view.viewRange()
        # the image spans its cell's binding side (2 % padding), not half of it as before
        assert min(x1 - x0, y1 - y0) == pytest.approx(96 * 1.04, rel=0.02)
        assert (x1 - x0) / view.width() == pytest.approx((y1 - y0) / view.height(), rel=0.02)  # square pixels


def test_four_panes_of_the_default_window_are_two_by_two_and_a_wide_window_one_row(qtbot, window, tmp_path):
    """The default window's four panes (3 heads and the truth) were four tall, narrow columns."""
    grid = compare_grid(qtbot, window, tmp_path)
    assert grid.shape == (2, 2)
    spots = {name: (round(p.view.sceneBoundingRect().left()), round(p.view.sceneBoundingRect().top()))
             for name, p in grid.panes.items()}
    assert spots["32s"][1] == spots["16s"][1] < spots["8s"][1] == spots["truth"][1]
    assert spots["32s"][0] == spots["8s"][0] < spots["16s"][0] == spots["truth"][0]
    size = 96 * (grid.panes["32s"].view.height() / (grid.panes["32s"].view.viewRange()[1][1]
                                                     - grid.panes["32s"].view.viewRange()[1][0]))
    assert size > 200  # ~165 px in the old single row
    grid.resize(2400, 300)
    qtbot.wait(50)
    assert grid.shape == (1, 4) == best_grid(4, (grid.viewport().width(), grid.viewport().height()), (96, 96), 54)
    assert set(grid.panes) == {"32s", "16s", "8s", "truth"} and grid.panes["8s"].overlay.image is not None
