"""`run_history`: what a resumed run logged before, read back for the plots, stage by stage."""

from fcn_studio.app.run_history import run_history
from fcn_studio.training import TrainConfig
from fcn_studio.training.run_folder import MetricsLog, write_config


def test_staged_run_history_lists_each_stage_folder_in_order(tmp_path):
    write_config(TrainConfig(data="d", out=str(tmp_path), stage="staged"))
    logged = {
        "32s": [{"kind": "train", "stage": "32s", "iteration": 1, "loss": 2.5},
                {"kind": "eval", "stage": "32s", "iteration": 1, "mean_iu": 0.25, "iu": [0.5, None]}],
        "16s": [{"kind": "train", "stage": "16s", "iteration": 1, "loss": 1.5}],
    }
    for stage in ("16s", "32s"):  # written out of order: the config's stage order decides
        for record in logged[stage]:
            MetricsLog(tmp_path / stage).append(record)
    assert run_history(tmp_path) == logged["32s"] + logged["16s"]


def test_single_stage_history_and_a_folder_that_is_no_run(tmp_path):
    write_config(TrainConfig(data="d", out=str(tmp_path / "run"), stage="8s"))
    MetricsLog(tmp_path / "run").append({"kind": "train", "stage": "8s", "iteration": 7, "loss": 0.5})
    assert run_history(tmp_path / "run") == [{"kind": "train", "stage": "8s", "iteration": 7, "loss": 0.5}]
    assert run_history(tmp_path / "nothing") == []
