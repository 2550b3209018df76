"""The model a round keeps, decided at its end: the last update unless a dense held-out score says otherwise.

The trainer keeps its best-scoring evaluation as `best.safetensors`; on a project that is wrong
whenever the test images are scribbles (every update "scores" 1.0 there and update 100 of 300 won).
So the round listens to its own evaluations: at each one it scores the current weights on every
fully painted test image (`kept_update.image_scores`) and keeps a copy of them, and at the end
`kept_update` picks the update (the last unless an earlier one is better by more than the noise).
That model replaces `best.safetensors`, with `notes["round"]` saying which update it is, why, and
its held-out score with what the score covers (`round_summary`).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from ...data.dataset import SegmentationDataset
from ...data.detect import open_dataset
from ...engine.fcn import FCN
from ...engine.weights import save_model
from ...training.evaluate import evaluate
from ...training.scores import coverage
from ...training.events import Evaluated, Event
from ...training.kept_update import KeptUpdate, UpdateScore, image_scores, kept_update
from ...training.run_folder import BEST
from .project import AnnotationProject
from .round_summary import ROUND_NOTE, held_out_summary
from .split_lists import DENSE_TEST_LIST

CANDIDATES = 3  # earlier updates whose weights are kept (the best-scoring): a long round's memory stays bounded


def _device(model: FCN) -> torch.device:
    return next(model.parameters()).device


class RoundKeeper:
    """Follows one round's evaluations (`heard`) and writes the model it keeps (`keep`)."""

    def __init__(self, project: AnnotationProject):
        self.project = project
        self.dense: SegmentationDataset | None = (open_dataset(project.root, Path(DENSE_TEST_LIST).stem)
                                                  if project.dense_test_names() else None)
        self.scores: list[UpdateScore] = []
        self.metrics: dict[int, dict[str, Any]] = {}  # update → the trainer's metrics on every held-out image
        self.weights: dict[int, dict[str, torch.Tensor]] = {}  # update → its weights (only with dense test images)

    def heard(self, event: Event, model: FCN | None) -> None:
        """An event of the round; at each evaluation the weights are scored on the dense test images."""
        if not isinstance(event, Evaluated) or model is None:
            return
        self.metrics[event.iteration] = event.metrics
        if self.dense is not None:
            self.scores.append(UpdateScore(event.iteration, image_scores(model, self.dense, _device(model))))
            self.weights[event.iteration] = {k: v.detach().clone() for k, v in model.state_dict().items()}
            earlier = sorted((s for s in self.scores if s.update in self.weights and s.update != event.iteration),
                             key=lambda s: s.mean)
            for worst in earlier[: max(0, len(earlier) - CANDIDATES)]:
                del self.weights[worst.update]  # never kept: more than CANDIDATES earlier updates score better

    def keep(self, model: FCN, last: int, run_dir: Path, note: dict[str, Any]) -> tuple[KeptUpdate, dict[str, Any]]:
        """Write the kept update of `model` (the trainer's own object, at update `last`) as
        RUN/best.safetensors with `note` (project, number, settings…) completed with what was kept;
        the decision and the completed note."""
        kept = kept_update([s for s in self.scores if s.update in self.weights or s.update == last], last)
        chosen = model
        if kept.update != last and kept.update in self.weights:
            chosen = copy.deepcopy(model)
            chosen.load_state_dict(self.weights[kept.update])
        if self.dense is not None:
            metrics = evaluate(chosen, self.dense, _device(chosen))
            held_out = held_out_summary(metrics, True, coverage(metrics))
        else:
            metrics = self.metrics.get(kept.update) or {}
            held_out = held_out_summary(metrics, False, coverage(metrics)) if metrics else None
        round_note = {**note, "updates": last, "kept_update": kept.update, "kept_reason": kept.reason,
                      "held_out": held_out}
        info = replace(chosen.info, metrics={k: v for k, v in metrics.items() if k != "class_names"},
                       notes={**chosen.info.notes, "iteration": kept.update, ROUND_NOTE: round_note})
        save_model(chosen, run_dir / BEST, info)
        return kept, round_note

