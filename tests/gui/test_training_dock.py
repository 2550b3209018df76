"""The Training dock as a new user meets it (issue 30): each run starts on clean plots, Run ▸ Train…
shows the form, Start and Cancel stay in sight, sensible empty axes, a loss spike does not flatten
the curve, a typed output folder is made, Resume… opens at the run just cancelled, exports remember
their folder, the form is remembered across launches."""

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog

from fcn_studio.app.train_job import Evaluated, StageFinished, StepDone
from fcn_studio.training import TrainConfig
from fcn_studio.gui.folder_dialog import OutputFolderDialog
from fcn_studio.gui.training_plots import TrainingPlots
from tests.gui.conftest import drop, make_window, wait_idle
from tests.gui.test_iu_bars import tick_names
from tests.gui.test_training_panel import WAIT_MS, fill
from tests.compact_models import write_image
from tests.training.conftest import quick_recipe, write_colour_set


@pytest.fixture(scope="module")
def colour_set(tmp_path_factory):
    return write_colour_set(tmp_path_factory.mktemp("colour") / "set", n_train=4, n_val=2, size=32)


def an_old_run(plots):
    for i in range(1, 11):
        plots.show_event(StepDone("16s", i, 10, 5.0 / i, 1e-3, 1.0, 10.0))
    plots.show_event(Evaluated("16s", 10, {"mean_iu": 0.6, "iu": [0.9, 0.5, 0.4, 0.6],
                                           "class_names": ["sky", "tree", "road", "car"]}, True))


def assert_empty(plots):
    assert plots.loss_curves == {} and plots.iu_curves == {} and plots.bars is None and tick_names(plots) == []
    assert plots.loss_plot.plotItem.legend.items == [] and plots.iu_plot.plotItem.legend.items == []
    _, (y0, y1) = plots.iu_plot.viewRange()
    assert y0 == pytest.approx(0, abs=0.1) and y1 == pytest.approx(1, abs=0.1)
    assert not plots.iu_plot.getViewBox().yInverted()  # IU 0 → 1 upwards
    _, (l0, l1) = plots.loss_plot.viewRange()
    assert -0.1 <= l0 <= 0 and 1 <= l1 <= 1.1  # a loss from 0, not −100…100


def test_empty_plots_have_sensible_axes(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(900, 300)
    plots.show()
    assert_empty(plots)
    assert plots.bars_plot.getAxis("left")._tickLevels == [[]]  # no row numbers beside the empty bars


def test_one_early_loss_spike_does_not_squash_the_loss_curve(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.resize(900, 300)
    plots.show()
    losses = [3.0, 400.0] + [2.5 - 0.04 * i for i in range(40)]
    for i, loss in enumerate(losses, 1):
        plots.show_event(StepDone("32s", i, 100, loss, 1e-3, 1.0, 50.0))
    _, (l0, l1) = plots.loss_plot.viewRange()
    assert l0 <= 0.9 and 3.0 <= l1 < 10  # the curve 0.9…3 fills the plot; the spike runs off the top
    x, y = plots.loss_curves["32s"].getData()
    assert list(y[:2]) == [3.0, 400.0]  # the spike is drawn, only not allowed to set the range


def test_a_new_run_starts_on_clean_plots(qtbot, window, colour_set, tmp_path):
    plots = window.training.panel.plots
    an_old_run(plots)
    assert tick_names(plots) == ["sky", "tree", "road", "car"] and "16s" in plots.loss_curves
    form = fill(qtbot, window, colour_set, tmp_path / "run", quick_recipe(iterations=2, eval_every=2))
    form.start.click()
    try:
        assert_empty(plots)  # at once: not after the first update or evaluation
        assert plots.progress.value() == 0
    finally:  # a window closed while it trains would ask before quitting
        qtbot.waitUntil(lambda: not window.training.busy(), timeout=WAIT_MS)
    assert list(plots.loss_curves) == ["32s"] and tick_names(plots) == ["background", "rectangle", "disc"]


def test_train_shows_the_dataset_form_and_start_cancel_stay_in_sight(qtbot, window):
    panel = window.training.panel
    window.resize(1400, 900)
    window.training.show_dock()
    panel.tabs.setCurrentWidget(panel.annotations)
    window.show_training()  # Run ▸ Train…
    qtbot.wait(50)
    assert panel.tabs.currentWidget() is panel.dataset_tab
    for button in (panel.form.start, panel.form.cancel, panel.form.resume):
        assert button.isVisible()
        assert button.visibleRegion().boundingRect().size() == button.size(), button.text()  # not cut by the fold
        assert not panel.scroll.widget().isAncestorOf(button)  # outside the scrolling fields


def test_a_typed_output_folder_that_does_not_exist_yet_is_made(qtbot, tmp_path):
    dialog = OutputFolderDialog(None, "Write labels and overlays into", str(tmp_path))
    qtbot.addWidget(dialog)
    target = tmp_path / "new" / "results"
    dialog.selectFile(str(target))
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted and target.is_dir()
    assert Path(dialog.selectedFiles()[0]) == target


def test_resume_opens_at_the_run_just_cancelled(qtbot, window, colour_set, tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda parent, title, start: asked.append(start) or "")
    form = window.training.panel.form
    form.resume.click()
    session = window.training.session
    run = tmp_path / "cancelled-run"
    session.start(TrainConfig(data=str(colour_set), out=str(run), recipe=quick_recipe(), width=0.0625, device="cpu"))
    session.take(StageFinished("32s", "cancelled", 3, "checkpoint saved"))
    session.finished()
    form.resume.click()
    assert asked == [str(session.runs_root), str(run)]


def test_both_exports_confirm_alike_and_remember_the_folder(qtbot, family, tmp_path, monkeypatch):
    window = make_window(qtbot, family["8s"].parent, tmp_path / "s.ini")
    drop(window, [write_image(tmp_path / "a.png", size=40)])
    wait_idle(qtbot, window, "a.png")
    exports = tmp_path / "exports"
    notice = window.exporter.notice
    for export, name in ((window.exporter.export_labels, "l.png"), (window.exporter.export_overlay, "o.png")):
        notice.hide()
        written = export(exports / name)
        assert written == exports / name and notice.isVisible()
        assert notice.label.text().endswith(f"to {written}") and window.status.currentMessage() == notice.label.text()
    window.close()
    again = make_window(qtbot, family["8s"].parent, tmp_path / "s.ini")
    drop(again, [tmp_path / "a.png"])
    wait_idle(qtbot, again, "a.png")
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, title, default, filt: offered.append(default) or ("", ""))
    again.exporter.export_labels()
    assert offered == [str(exports / "a_8s.png")]
    again.close()


def test_the_training_form_is_remembered_across_launches(qtbot, family, colour_set, tmp_path):
    window = make_window(qtbot, family["8s"].parent, tmp_path / "s.ini")
    form = fill(qtbot, window, colour_set, tmp_path / "run", quick_recipe(iterations=3, eval_every=3))
    form.iterations.setValue(3)
    form.backbone.setCurrentText("AlexNet")
    form.start.click()
    qtbot.waitUntil(lambda: not window.training.busy(), timeout=WAIT_MS)
    window.close()
    again = make_window(qtbot, family["8s"].parent, tmp_path / "s.ini")
    form = again.training.panel.form
    assert (form.data.text(), form.backbone.currentText(), form.width.value(), form.iterations.value(),
            form.out.text()) == (str(colour_set), "AlexNet", 0.0625, 3, str(tmp_path / "run"))
    again.close()
