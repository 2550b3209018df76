"""Issue #17/7: no readout outlives what it read: the hover line follows a head switch and clears
on another image; a new training run starts on fresh plot axes."""

import numpy as np
import pytest

from fcn_studio.app import analysis
from fcn_studio.app.annotate.jobs import LiveResult
from fcn_studio.app.train_job import Evaluated, StepDone
from fcn_studio.engine.predictor import Prediction
from fcn_studio.gui.training_plots import TrainingPlots
from tests.compact_models import write_image
from tests.gui.conftest import drop, wait_idle


def test_hover_line_follows_the_head_and_clears_on_another_image(qtbot, window, tmp_path):
    a, b = write_image(tmp_path / "a.png", seed=1), write_image(tmp_path / "b.png", size=48, seed=2)
    drop(window, [b, a])
    wait_idle(qtbot, window, "a.png")
    vm, status = window.view_model, window.status
    status.hover_at(7, 5)
    assert status.hover.text().startswith("pixel (7, 5): ") and status.hover.text().endswith("(FCN-8s)")
    window.actions.heads["32s"].trigger()  # the mouse has not moved: the same pixel, read on 32s
    label, score = analysis.pixel_readout(vm.prediction("32s"), 7, 5)
    assert status.hover.text() == f"pixel (7, 5): {vm.class_names[label]} {score:.2f} (FCN-32s)"
    window.image_list.step(-1)  # to b.png, by PgUp: the last image's readout must go
    assert vm.image.name == "b.png" and status.hover.text() == ""
    wait_idle(qtbot, window, "b.png")
    assert status.hover.text() == ""  # b's results arriving do not bring a's pixel back
    status.hover_at(3, 4)
    assert status.hover.text().startswith("pixel (3, 4): ")
    status.hover_at(-1, -1)
    assert status.hover.text() == ""


def _run(plots, iterations, best):
    for i in iterations:
        plots.show_event(StepDone("32s", i, iterations[-1], 1.0 / i, 1e-3, 1.0, 1.0))
        plots.show_event(Evaluated("32s", i, {"mean_iu": best * i / iterations[-1], "iu": [0.2] * 4,
                                              "class_names": list("abcd")}, False))


def test_a_new_run_starts_on_fresh_axes(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(900, 300)
    plots.show()
    _run(plots, list(range(100, 1001, 100)), 0.3)
    qtbot.wait(20)
    plots.iu_plot.getViewBox().scaleBy((0.5, 0.5))  # the user zoomed into the last run's curve
    plots.loss_plot.getViewBox().scaleBy((0.5, 0.5))
    plots.clear()
    _run(plots, [10, 20, 30], 0.9)
    qtbot.wait(20)
    for plot in (plots.iu_plot, plots.loss_plot):
        (x0, x1), _ = plot.viewRange()
        assert 0 < x0 <= 10 and 30 <= x1 < 40, plot
    (_, _), (y0, y1) = plots.iu_plot.viewRange()
    assert y0 == pytest.approx(0, abs=0.1) and y1 == pytest.approx(1, abs=0.1)
    _, (ly0, ly1) = plots.loss_plot.viewRange()
    assert ly0 <= 1 / 30 and ly1 >= 1 / 10  # the loss axis fits the new run's losses


def test_hover_over_a_live_answer_says_no_score_it_does_not_have(qtbot, window, tmp_path):
    """A training round's live answer keeps labels only: the hover line names the class and the
    update, never "nan" for a score it does not have."""
    drop(window, [write_image(tmp_path / "a.png", seed=1)])
    wait_idle(qtbot, window, "a.png")
    vm, status = window.view_model, window.status
    labels = np.full(vm.prediction().labels.shape, 1, np.uint8)
    vm.show_live(LiveResult(vm.image.key, Prediction(labels=labels), ("sky", "roof"), np.zeros((2, 3), np.uint8), 7))
    status.hover_at(2, 3)
    assert status.hover.text() == "pixel (2, 3): roof (live, update 7)"
