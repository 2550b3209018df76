"""The training dock's status line names a head's stage "FCN-32s": a bare "32s: update 115/3000"
read as thirty-two seconds (the status bar's "8s 553 ms" of issue #30 item 5, in the dock)."""

from fcn_studio.app.train_job import CheckpointSaved, StageStarted, StepDone
from fcn_studio.gui.training_plots import TrainingPlots


def test_the_status_line_says_which_head_a_stage_trains(qtbot):
    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.show_event(StageStarted("16s", "FCN-AlexNet-16s", 60, 0))
    assert plots.status.text() == "training FCN-AlexNet-16s (FCN-16s), 60 updates, from the start"
    plots.show_event(StepDone("32s", 115, 3000, 1.5641, 0.00097, 63.6, 1.0))
    assert plots.status.text() == "FCN-32s: update 115/3000 · loss 1.5641 · lr 0.00097 · 63.6 img/s"
    plots.show_event(CheckpointSaved("8s", 120, "ckpt"))
    assert plots.status.text() == "FCN-8s: checkpoint at update 120 saved"
    plots.show_event(StepDone("atonce", 3, 60, 2.0, 0.001, 10.0, 1.0))
    assert plots.status.text().startswith("atonce: update 3/60")  # not a head: its own name
