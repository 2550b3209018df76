""""Train on my annotations": one fine-tuning round of the current model on a project's masks.

A round is an ordinary run folder (config.json, metrics.jsonl, checkpoints/, best.safetensors),
so `fcn-studio train --resume`, `eval` and `segment` take it as any other; the model it starts
from is adapted to the project's label set first (`engine.surgery`, the paper's surgery) and
saved beside it as `init.safetensors`. Unlabelled pixels (255) carry no loss: sparse strokes are
the paper's loss sampling with the user choosing the cells.

The training images are the project's train.txt (painted, not kept for testing), evaluation runs
on val.txt (the held-out images) every `eval_every` updates and at the end: mean IU and per class.
The model the round keeps is its last update unless fully painted test images say an earlier one is
better by more than the noise (`kept_model.RoundKeeper`); its file says which update, why, and
what its held-out score covers (`notes["round"]`, worded by `round_summary`).
The run folder is ROOT/rounds/round-NNN (`AnnotationProject.next_round_dir`).
Masks are read from disk each time an image comes up, so strokes saved during a round join at
that image's next turn (its next epoch); images first painted during a round join the next one.

While it trains, a `LiveModel` event every `live_every_s` seconds carries a copy of the newest
weights, for the GUI to re-segment the visible image on its own thread.
"""

from __future__ import annotations

import copy
import logging
import re
import time
from dataclasses import asdict, dataclass
from typing import Any
from pathlib import Path

from ...engine import registry
from ...engine.fcn import FCN
from ...engine.surgery import adapt_to_classes
from ...errors import DatasetError, RecipeError
from ...training.events import CancelToken, Event, EventHandler, StageFinished, StepDone, ignore
from ...training.kept_update import KeptUpdate
from ...training.recipes import STAGES, Recipe
from ...training.run_folder import BEST, TrainConfig
from ...training.stages import train
from .kept_model import RoundKeeper
from .project import AnnotationProject
from .round_summary import INIT_MODEL
from .split_lists import TEST_LIST, TRAIN_LIST

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnnotationTraining:
    """A round's settings; the defaults suit a CPU and a compact model (a few minutes).

    Adam at a fixed lr, as the shipped models were trained, with the 2× bias lr of the paper and
    no weight decay; one image per update (users' photos differ in size); mirror and a small
    translation jitter, since a handful of painted images is all there is."""

    updates: int = 300
    lr: float = 2e-4
    optimizer: str = "adam"
    images_per_update: int = 1
    mirror: bool = True
    jitter: int = 8
    eval_every: int = 100
    live_every_s: float = 5.0
    seed: int = 0
    device: str = "cpu"
    # A catalogue ImageNet trunk to start from instead of the shown model ("": the shown model);
    # `downloads.trunks.start_file` picks the file, the window downloads it first when not here.
    start_from: str = ""

    def recipe(self) -> Recipe:
        return Recipe(name="annotations", lr=self.lr, stage_lr_scale={s: 1.0 for s in STAGES}, optimizer=self.optimizer,
                      weight_decay=0.0, images_per_update=self.images_per_update, batch_size=1,
                      iterations=self.updates, eval_every=min(self.eval_every, self.updates),
                      checkpoint_every=max(1, self.updates // 4), log_every=10, dropout=False,
                      mirror=self.mirror, jitter=self.jitter)


@dataclass
class LiveModel:
    """The newest weights as a model of their own (eval mode, CPU): predict with it freely."""

    iteration: int
    elapsed_s: float
    model: FCN


@dataclass
class RoundDone:
    """The end of a round: its run folder, kept model (the model picker's new entry) and result;
    `kept` says which update the model is and why, `note` is the round's note in the model's file
    (None when the round ended before its first update)."""

    run_dir: Path
    best_model: Path
    result: StageFinished
    kept: KeptUpdate | None = None
    note: dict[str, Any] | None = None


def round_number(run_dir: Path) -> int | None:
    """3 for ROOT/rounds/round-003 (None for a folder named otherwise)."""
    found = re.fullmatch(r"round-(\d+)", run_dir.name)
    return int(found.group(1)) if found else None


def stage_of(arch: str) -> str:
    """The training stage that trains `arch` (fcn8s and alexnet-fcn8s → "8s", fcn8s-atonce → "atonce"),
    as the registry says."""
    found = registry.ARCHITECTURES.get(arch)
    if found is None:
        raise RecipeError(None, f"{arch} is not an FCN this program trains; "
                          f"those are {', '.join(registry.ARCHITECTURES)}")
    return found.stage


def for_project(model: FCN, project: AnnotationProject) -> FCN:
    """`model` with the project's label set: adapted by surgery unless it has those classes already."""
    names, palette = list(project.classes.names), project.classes.palette.astype(int).tolist()
    if list(model.info.class_names) == names:
        return model
    return adapt_to_classes(model, names, palette)


def train_on_annotations(project: AnnotationProject, model: FCN, out: str | Path | None = None,
                         settings: AnnotationTraining = AnnotationTraining(), on_event: EventHandler = ignore,
                         cancel: CancelToken | None = None, started_from: str = "",
                         head_state: dict | None = None) -> RoundDone:
    """Fine-tune `model` (unchanged itself) on the project's painted, not held-out images.

    Reports the trainer's events plus `LiveModel`; returns when the round ends (done, cancelled
    or failed: see `result.status`). Raises DatasetError naming the project when nothing is painted.
    The run itself is `training.stages.train`'s, as the CLI's: the folder lock, the "already holds
    a run" check, the data verified before anything is written. `started_from` names the model
    file for the round's note; `head_state`, live mode's refit score layers of the same model on this
    project, is where the round starts (it takes over from the live head)."""
    if not project.training_names():
        raise DatasetError(project.root, "no painted images to train on (paint some first, or untick "
                           "'keep for testing' on a painted one)")
    for name, problem in project.unsaved.items():
        log.warning("training on the last saved mask of %s; newer strokes are not saved (%s)", name, problem.reason)
    run_dir = Path(out) if out is not None else project.next_round_dir()
    held_out = bool(project.held_out_names())
    start = for_project(model, project)
    if head_state:
        start = copy.deepcopy(start) if start is model else start  # `model` itself stays as it was
        start.load_state_dict(head_state, strict=False)
    config = TrainConfig(data=str(project.root), out=str(run_dir), recipe=settings.recipe(), stage=stage_of(start.arch),
                         width=start.width, init=str(run_dir / INIT_MODEL), backbone=start.backbone,
                         train_split=Path(TRAIN_LIST).stem, val_split=Path(TEST_LIST).stem if held_out else "",
                         seed=settings.seed, device=settings.device, family=f"annotations-{project.root.name}",
                         precision="auto")  # bf16 autocast where it is native and measured faster (training/precision.py)
    began = time.perf_counter()
    last_live = began
    trained: list[FCN] = []
    keeper = RoundKeeper(project)

    def handler(event: Event) -> None:
        nonlocal last_live
        keeper.heard(event, trained[-1] if trained else None)
        on_event(event)
        if isinstance(event, StepDone) and trained:
            now = time.perf_counter()
            if now - last_live >= settings.live_every_s or event.iteration == event.iterations:
                last_live = now
                on_event(LiveModel(event.iteration, now - began, live_copy(trained[-1])))

    result = train(config, handler, cancel, start=start, on_model=lambda stage, net: trained.append(net))[-1]
    if not trained or result.iteration == 0:
        return RoundDone(run_dir, run_dir / BEST, result)
    note: dict[str, Any] = {"project": project.root.name, "number": round_number(run_dir), "started_from": started_from,
            "settings": asdict(settings), "status": result.status}
    kept, note = keeper.keep(trained[-1], result.iteration, run_dir, note)
    log.info("%s: %s", run_dir.name, kept.reason)
    return RoundDone(run_dir, run_dir / BEST, result, kept, note)


def live_copy(model: FCN) -> FCN:
    """An independent CPU copy in eval mode: the trainer keeps updating its own."""
    return copy.deepcopy(model).to("cpu").eval()
