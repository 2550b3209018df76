"""metrics.jsonl holds the trainer's events themselves and gives them back as the same dataclasses."""

import json
import math

from fcn_studio.training.events import (CheckpointSaved, Evaluated, StageFinished, StageStarted, StepDone,
                                        event_from_record, event_record)
from fcn_studio.training.run_folder import METRICS, MetricsLog


def test_an_event_is_its_fields_plus_its_type_name_and_comes_back_equal():
    step = StepDone("32s", 3, 10, 0.75, 1e-4, 12.5, 30.0, 0.25)
    assert event_record(step) == {"event": "StepDone", "stage": "32s", "iteration": 3, "iterations": 10, "loss": 0.75,
                                  "lr": 1e-4, "images_per_s": 12.5, "eta_s": 30.0, "update_s": 0.25}
    assert event_from_record(event_record(step)) == step
    assert event_from_record({"event": "Nope", "iteration": 1}) is None
    assert event_from_record({"kind": "train", "iteration": 1, "loss": 0.5}) is None
    assert event_from_record({"event": "StepDone", "stage": "32s"}) is None  # required fields missing
    assert event_from_record({**event_record(step), "added_later": 1}) == step


def test_the_log_reads_back_every_event_nan_as_none_and_stops_at_a_cut_line(tmp_path):
    log = MetricsLog(tmp_path)
    events = [StageStarted("8s", "fcn8s", 4, 0, "init.safetensors"), StepDone("8s", 1, 4, 1.0, 0.1, 2.0, 3.0),
              Evaluated("8s", 2, {"mean_iu": 0.5, "iu": [1.0, math.nan]}, True),
              CheckpointSaved("8s", 2, "ck.pt"), StageFinished("8s", "done", 4, "ok", "best.safetensors", {"mean_iu": 0.5})]
    for event in events:
        log.append(event)
    back = log.events()
    assert back[:2] == events[:2] and back[3:] == events[3:]
    assert back[2] == Evaluated("8s", 2, {"mean_iu": 0.5, "iu": [1.0, None]}, True)
    assert json.loads((tmp_path / METRICS).read_text().splitlines()[0])["event"] == "StageStarted"
    with (tmp_path / METRICS).open("a") as f:
        f.write('{"event": "StepDone", "sta')
    assert log.events() == back


def test_truncate_forgets_what_a_resume_redoes(tmp_path):
    log = MetricsLog(tmp_path)
    for event in (StageStarted("32s", "fcn32s", 6, 0), StepDone("32s", 2, 6, 1.0, 0.1, 2.0, 3.0),
                  Evaluated("32s", 2, {"mean_iu": 0.5}, True), StepDone("32s", 3, 6, 0.9, 0.1, 2.0, 3.0)):
        log.append(event)
    log.truncate_after(2, redo_eval=True)
    assert [type(e).__name__ for e in log.events()] == ["StageStarted", "StepDone"]
    log.truncate_after(0)
    assert [type(e).__name__ for e in log.events()] == ["StageStarted"]
