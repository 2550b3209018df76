"""fcn_studio.benchmarks.brush_latency drives the real window's brush (small, here): times come back and the drag is painted."""

import numpy as np
import pytest

from fcn_studio.benchmarks import brush_latency

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def test_drag_path_crosses_the_image_inside_its_margins():
    path = brush_latency.drag_path(400, 300, 10)
    assert len(path) == 11 and path[0] == pytest.approx(path[-1]) == (200.0, 150.0)
    xs, ys = np.array(path).T
    assert 40 <= xs.min() < xs.max() <= 360 and 30 <= ys.min() < ys.max() <= 270


def test_brush_latency_times_every_move_and_paints_the_mask_under_the_drag(qtbot, tmp_path):
    r = brush_latency.brush_latency(tmp_path, 400, 300, segments=10, radius=3.0)
    assert r["median_ms"] > 0 and r["max_ms"] >= r["median_ms"]
    assert r["frames"] >= 10 and 0 < r["px_per_frame"] < r["viewport"][0] * r["viewport"][1]
    mask = r["mask"]
    assert mask.shape == (300, 400) and len(r["drag"]) == 11
    assert all(mask[int(y), int(x)] == 1 for x, y in r["drag"])  # the brush class under every event
    assert mask[0, 0] == mask[299, 399] == 255 and 0 < (mask == 1).mean() < 0.5  # not the whole image
