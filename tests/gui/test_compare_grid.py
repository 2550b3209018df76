"""The comparison grid draws each image as large as its cell allows, with square pixels."""

import pytest

from tests.compact_models import write_image
from tests.gui.conftest import drop, wait_idle


def test_grid_images_fill_their_equal_cells_with_square_pixels(qtbot, window, tmp_path):
    drop(window, [write_image(tmp_path / "a.png", size=96, mask=True)])
    wait_idle(qtbot, window, "a.png")
    window.actions.compare.trigger()
    grid = window.compare_view
    qtbot.wait(50)
    grid.fit()
    qtbot.wait(50)
    views = [grid.panes[c].view for c in grid.columns]
    widths = [v.width() for v in views]
    assert max(widths) - min(widths) <= 1  # the title text does not widen a column
    for view in views:
        (x0, x1), (y0, y1) = view.viewRange()
        # tall cells: the image spans the whole width (2 % padding), not half of it as before
        assert x1 - x0 == pytest.approx(96 * 1.04, rel=0.02)
        assert (x1 - x0) / view.width() == pytest.approx((y1 - y0) / view.height(), rel=0.02)  # square pixels
