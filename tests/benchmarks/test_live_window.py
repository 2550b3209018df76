"""benchmarks.live_window and benchmarks.live_curve (small, here): strokes in the real window are
timed to the live answer's repaint; the curve's held-out scenes never enter the fit."""

import pytest
import numpy as np

from fcn_studio.benchmarks import live_curve, live_window
from fcn_studio.benchmarks.annotation_loop import MERGED
from fcn_studio.engine.surgery import adapt_to_classes
from tests.compact_models import compact_model, write_family

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def test_live_window_times_each_stroke_to_the_repainted_live_answer(qtbot, tmp_path):
    models = write_family(tmp_path / "models")["8s"].parent
    (tmp_path / "run").mkdir()
    r = live_window.live_window(tmp_path / "run", images=2, size=64, strokes=3, per_image=2, models=models)
    assert len(r["took"]) == 3 and all(t > 0 for t in r["took"])
    assert all(0 < wall and 0 <= cpu and 0 < step for wall, cpu, step in r["fits"])
    assert r["painted"] == 2 and 0 < r["share"] <= 0.03 and r["setup_s"] > 0


def test_live_curve_evaluates_every_n_strokes_on_scenes_it_never_fits():
    model = adapt_to_classes(compact_model("fcn8s"), list(MERGED.names)).eval()
    rows = live_curve.live_curve(scenes=2, test=2, size=64, every=2, steps=2, cap=0.03, model=model)
    strokes = [r[0] for r in rows]
    assert strokes[0] == 0 and strokes[1:] == list(range(2, 2 * len(rows) - 1, 2))
    assert all(0 <= r[3] <= 1 for r in rows) and rows[-1][1] == 2
    assert np.all(np.diff([r[2] for r in rows]) >= 0)  # the live seconds only grow


def test_stroke_states_replay_the_scribble_one_stroke_at_a_time():
    from fcn_studio.benchmarks.annotation_loop import merged_scene
    _, truth = merged_scene(18, 0, 64)
    states = live_curve.stroke_states(truth, np.random.default_rng(0), 0.03)
    labelled = [(s != 255).sum() for s in states]
    assert len(states) >= 2 and labelled == sorted(labelled) and labelled[0] > 0
    assert labelled[-1] <= 0.03 * truth.size
    assert all(((s == truth) | (s == 255)).all() for s in states)  # strokes stay inside their regions
