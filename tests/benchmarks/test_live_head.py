"""benchmarks.live_head (small, here): every stroke is timed, no stroke runs the trunk, the fit helps."""

import pytest
from fcn_studio.benchmarks import live_head
from tests.compact_models import compact_model

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def test_live_latency_times_each_stroke_and_runs_the_trunk_once_per_image():
    model = compact_model("fcn8s").eval()
    r = live_head.live_latency(model, images=3, size=64, strokes=4, steps=3)
    parts = r["parts"]
    assert len(parts["total"]) == 4 and all(t > 0 for t in parts["total"]) and all(c > 0 for c in parts["cpu"])
    for k in range(4):
        assert parts["total"][k] >= parts["fit"][k] + parts["predict"][k]
    assert r["trunk_passes"] == 3 and r["updates"] == 12
    assert 0 < r["painted"] <= 0.2
    assert len(r["accuracy"]) == 4 and all(0 <= a <= 1 for a in r["accuracy"])
