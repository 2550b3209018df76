"""The simulated user of fcn_studio/benchmarks/annotation_loop.py: scribbles are thin, inside, and truthful."""

import pytest
import numpy as np

from fcn_studio.benchmarks.annotation_loop import LUT, MERGED, MergedScenes, brush_latency, merged_scene, scribble
from fcn_studio.app.annotate.annotation import Annotation

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def test_the_merge_keeps_background_and_groups_the_rest():
    assert LUT[0] == 0 and LUT[255] == 255 and set(LUT[:16].tolist()) == {0, 1, 2, 3}
    labels = MergedScenes(2, 32)[1][1].numpy()
    assert set(np.unique(labels).tolist()) <= {0, 1, 2, 3, 255}


def test_scribbles_agree_with_the_truth_and_stay_under_the_cap():
    rgb, truth = merged_scene(18, 0, 96)
    ann = Annotation.blank(96, 96, len(MERGED.names))
    scribble(ann, truth, np.random.default_rng(0), radius=1.0, cap=0.05)
    painted = ann.labels != 255
    assert 0 < painted.mean() <= 0.05
    np.testing.assert_array_equal(ann.labels[painted], truth[painted])
    assert set(np.unique(ann.labels[painted])) == {c for c in np.unique(truth) if c != 255 and (truth == c).sum() > 200}


def test_brush_latency_reports_a_drag(tmp_path):
    lat = brush_latency(120, 160, tmp_path, radius=3.0, segments=20)
    assert 0 < lat["median_ms"] <= lat["max_ms"] and lat["save_ms"] > 0 and lat["px_per_segment"] > 1
