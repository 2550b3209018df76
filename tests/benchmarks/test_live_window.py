"""benchmarks.live_window and benchmarks.live_curve (small, here): strokes in the real window are
timed to the live answer's repaint; the curve's held-out scenes never enter the fit; the full round
after the same strokes, alone and taking over from the live head, is scored like the live head."""

import re

import pytest
import numpy as np
import torch

from fcn_studio.benchmarks import live_curve, live_window
from fcn_studio.benchmarks.annotation_loop import MERGED
from fcn_studio.engine.surgery import adapt_to_classes
from fcn_studio.engine.weights import load_model
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
    run = live_curve.live_curve(scenes=2, test=2, size=64, every=2, steps=2, cap=0.03, model=model)
    rows = run.rows
    strokes = [r[0] for r in rows]
    assert strokes[0] == 0 and strokes[1:] == list(range(2, 2 * len(rows) - 1, 2))
    assert all(0 <= r[3] <= 1 for r in rows) and rows[-1][1] == 2
    assert np.all(np.diff([r[2] for r in rows]) >= 0)  # the live seconds only grow
    assert len(run.painted) == 2 and len(run.tests) == 2
    # the final mask of each scene is its last stroke's: labelled, within the cap
    assert all(0 < (labels != 255).sum() <= 0.03 * labels.size for _, labels in run.painted)
    # a whole model scored the live curve's way: the untouched head reproduces the first row
    assert live_curve.model_iu(model, run.tests) == pytest.approx(rows[0][3])


def test_full_round_after_the_strokes_alone_and_from_the_live_head(tmp_path, capsys):
    model = adapt_to_classes(compact_model("fcn8s"), list(MERGED.names)).eval()
    run = live_curve.live_curve(scenes=2, test=2, size=64, every=2, steps=2, cap=0.03, model=model)
    project = live_curve.scribbled_project(tmp_path, run.painted)
    assert project.training_names() == ["scene000", "scene001"]
    assert np.array_equal(project.read_mask("scene001"), run.painted[1][1])

    alone, kept = live_curve.full_round(project, model, tmp_path / "alone", 2, [0.0], run.tests)
    assert kept.exists() and load_model(kept).num_classes == len(MERGED.names)
    assert [p.update for p in alone] == [1, 2]  # the mark's model, then the kept one at the round's end
    assert all(0 <= p.mean_iu <= 1 and p.seconds > 0 for p in alone)
    assert alone[-1].mean_iu == pytest.approx(live_curve.model_iu(load_model(kept), run.tests))

    head = run.head.head_state()
    both, kept_both = live_curve.full_round(project, model, tmp_path / "both", 2, [], run.tests, head)
    start = load_model(tmp_path / "both" / "init.safetensors")  # where the round started: the live head's layers
    assert all(torch.equal(start.state_dict()[k], v) for k, v in head.items())
    assert not all(torch.equal(model.state_dict()[k], v) for k, v in head.items())  # the model itself is untouched
    assert kept_both.exists() and [p.update for p in both] == [2] and 0 <= both[0].mean_iu <= 1

    rows_iu = run.rows[-1][3]
    line = live_curve.comparison(rows_iu, run.rows[-1][2], alone[-1])
    found = re.search(r"mean IU ([\d.]+);.*\(2 updates, [\d.]+ s wall clock\): ([\d.]+); live / round ([\d.]+) %", line)
    assert found, line
    assert float(found[1]) == pytest.approx(rows_iu, abs=5e-4)
    assert float(found[2]) == pytest.approx(alone[-1].mean_iu, abs=5e-4)
    assert float(found[3]) == pytest.approx(100 * rows_iu / alone[-1].mean_iu, abs=0.05)

    capsys.readouterr()
    live_curve.print_rounds(run, 2, [0.0])
    printed = capsys.readouterr().out
    table = re.findall(r"^  (rounds alone \(shipped\)|both \(from live head\)) +([\d.]+) +(\d+)  ([\d.]+)$", printed, re.M)
    assert [(start, int(update)) for start, _, update, _ in table] == [
        ("rounds alone (shipped)", 1), ("rounds alone (shipped)", 2), ("both (from live head)", 1), ("both (from live head)", 2)]
    assert all(0 <= float(iu) <= 1 for *_, iu in table)
    found = re.search(r"live / round ([\d.]+) %", printed)
    shown = float(table[1][3])  # the round's end, rounded to 3 places: the ratio lies within its rounding
    assert found and 100 * rows_iu / (shown + 5e-4) - 0.05 <= float(found[1]) <= 100 * rows_iu / (shown - 5e-4) + 0.05


def test_stroke_states_replay_the_scribble_one_stroke_at_a_time():
    from fcn_studio.benchmarks.annotation_loop import merged_scene
    _, truth = merged_scene(18, 0, 64)
    states = live_curve.stroke_states(truth, np.random.default_rng(0), 0.03)
    labelled = [(s != 255).sum() for s in states]
    assert len(states) >= 2 and labelled == sorted(labelled) and labelled[0] > 0
    assert labelled[-1] <= 0.03 * truth.size
    assert all(((s == truth) | (s == 255)).all() for s in states)  # strokes stay inside their regions
