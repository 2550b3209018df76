"""`run_history`: what a resumed run logged before, read back as events for the plots, stage by stage."""

from fcn_studio.app.training_jobs import run_history
from fcn_studio.training import Evaluated, StageStarted, StepDone, TrainConfig
from fcn_studio.training.run_folder import MetricsLog, write_config


def test_staged_run_history_lists_each_stage_folder_in_order(tmp_path):
    write_config(TrainConfig(data="d", out=str(tmp_path), stage="staged"))
    logged = {
        "32s": [StageStarted("32s", "fcn32s", 4, 0), StepDone("32s", 1, 4, 2.5, 1e-4, 3.0, 9.0),
                Evaluated("32s", 1, {"mean_iu": 0.25, "iu": [0.5, None]}, True)],
        "16s": [StepDone("16s", 1, 4, 1.5, 1e-6, 3.0, 9.0, 0.5)],
    }
    for stage in ("16s", "32s"):  # written out of order: the config's stage order decides
        for event in logged[stage]:
            MetricsLog(tmp_path / stage).append(event)
    assert run_history(tmp_path) == logged["32s"] + logged["16s"]


def test_single_stage_history_and_a_folder_that_is_no_run(tmp_path):
    write_config(TrainConfig(data="d", out=str(tmp_path / "run"), stage="8s"))
    MetricsLog(tmp_path / "run").append(StepDone("8s", 7, 10, 0.5, 1e-4, 2.0, 6.0))
    assert run_history(tmp_path / "run") == [StepDone("8s", 7, 10, 0.5, 1e-4, 2.0, 6.0)]
    assert run_history(tmp_path / "nothing") == []
