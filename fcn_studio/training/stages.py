"""From a TrainConfig to trained stages: 32s, 16s from 32s, 8s from 16s (the paper's order), or at once.

Every trunk of CVPR Table 1 trains the same way (VGG16, AlexNet, GoogLeNet; at once is VGG16's
only); the first stage may start from a torchvision ImageNet classifier of its trunk.

`train(config)` starts a run, `resume(run_dir)` continues one; both return the StageFinished
of every stage that ran. A staged run initialises each stage from the previous stage's best
model, as REF's solve.py does with `copy_from`. They are the only way into a run folder — the
CLI, the training dock and the annotation rounds all come through here — so every run gets the
folder lock and the "already holds a run" check.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from pathlib import Path
from typing import Callable

import torch

from ..errors import RecipeError
from ..data.dataset import SegmentationDataset
from ..data.detect import open_dataset
from ..data.verify import verify_dataset
from ..engine.build import build_model
from ..engine.convolutionalise import INPUT_OF, copy_imagenet
from ..engine.fcn import FCN
from ..engine.model_files import open_model
from ..engine.model_info import ModelInfo
from ..engine.devices import resolve_device
from ..engine.surgery import transplant
from ..engine.weights import save_model
from . import distributed
from .batches import derived_seed
from .checkpoint import CHECKPOINT_DIR, LAST, checkpoint_path, load_checkpoint
from .events import CancelToken, EventHandler, StageFinished, ignore
from .recipes import STAGES
from .run_folder import BEST, CONFIG, TrainConfig, read_config, stage_arch, write_config
from .run_lock import run_lock
from .trainer import StageSetup, StageTrainer

log = logging.getLogger(__name__)


def stage_model(config: TrainConfig, stage: str, dataset: SegmentationDataset, init: str = "",
                source: FCN | None = None) -> FCN:
    """A fresh model for `stage`, with the dataset's classes, started from `init` or ImageNet if given.

    `source` is the model `init` names when the caller holds it already (not yet written).

    From `init` every parameter with the same name and shape is copied (score layers of another
    class count are left zero, the paper's init for new score layers); the trunk, its width and
    the input convention follow the init model, whose trunk the new net continues. Without it the
    input convention is the backbone's ImageNet one, so `config.pretrained` weights see the input
    they were trained on.
    """
    backbone, width, spec = config.backbone, config.width, INPUT_OF[config.backbone]
    if source is None and init:
        source = open_model(init)
    if source is not None:
        backbone, width, spec = source.backbone, source.width, source.info.input
        if width != config.width:
            log.info("width %g taken from the init model %s (config said %g)", width, init, config.width)
        if backbone != config.backbone:
            log.info("backbone %s taken from the init model %s (config said %s)", backbone, init, config.backbone)
    arch = stage_arch(backbone, stage)
    info = ModelInfo(
        arch=arch, num_classes=dataset.num_classes, width=width, class_names=list(dataset.class_names),
        palette=[list(map(int, c)) for c in dataset.palette[: dataset.num_classes]], input=spec,
        recipe={**config.recipe.to_dict(), "stage": stage},
        notes={"family": config.family or Path(config.out).name, "stage": stage, "data": str(config.data),
               "train_split": config.train_split, "val_split": config.val_split, "seed": config.seed,
               "init": init},
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derived_seed(config.seed, STAGES.index(stage)))  # the same run, the same init
        model = build_model(arch, dataset.num_classes, width, info)
    if source is not None:
        copied = transplant(source, model)
        log.info("%s: %d tensors copied from %s", stage, len(copied), init)
    elif config.pretrained:
        copy_imagenet(model, config.pretrained)
    if config.recipe.fixed:
        for name, param in model.named_parameters():
            param.requires_grad_(name.startswith("score_"))
    return model


def _datasets(config: TrainConfig) -> tuple[SegmentationDataset, SegmentationDataset | None]:
    train_set = open_dataset(config.data, config.train_split)
    val_set = open_dataset(config.data, config.val_split) if config.val_split else None
    if val_set is not None and len(val_set) == 0:
        val_set = None
    if val_set is None:
        log.warning("no validation split %r in %s: the last model will be kept as the best", config.val_split, config.data)
    return train_set, val_set


ModelHandler = Callable[[str, FCN], None]


def train(config: TrainConfig, on_event: EventHandler = ignore, cancel: CancelToken | None = None,
          start: FCN | None = None, on_model: ModelHandler | None = None) -> list[StageFinished]:
    """Run every stage of `config` in a new run folder (RUN/config.json is written first).

    A folder whose run never saved a checkpoint (it was refused, killed or out of disk before
    its first one) holds nothing to continue, so it is started again rather than refused.
    `start` is the model `config.init` names when it is no file yet (the annotation round's model,
    adapted to the project's classes): it is written there once the data are verified and the
    folder is locked, so a refused run leaves nothing behind. `on_model(stage, model)` hears each
    stage's model before it trains; the trainer updates that very object (the annotation round
    copies it for its live overlay).
    """
    refuse_existing_run(config, quiet=True)  # early, before the data are read; again under the lock
    return _run(config, on_event, cancel, fresh=True, start=start, on_model=on_model)


def resume(run_dir: str | Path, on_event: EventHandler = ignore, cancel: CancelToken | None = None) -> list[StageFinished]:
    return _run(read_config(run_dir), on_event, cancel, fresh=False)


def refuse_existing_run(config: TrainConfig, quiet: bool = False) -> None:
    """RecipeError if `config.out` holds a run with a checkpoint or a model to continue."""
    out = Path(config.out)
    existing = out / CONFIG
    if not existing.is_file():
        return
    saved = [*out.glob(f"{CHECKPOINT_DIR}/{LAST}"), *out.glob(f"*/{CHECKPOINT_DIR}/{LAST}"), *out.glob(BEST), *out.glob(f"*/{BEST}")]
    if saved:
        raise RecipeError(config.out, f"already holds a run ({existing}); continue it with resume "
                          "(--resume) or choose another folder")
    if not quiet:
        log.warning("%s holds a run that never saved a checkpoint; starting it again", config.out)


def _run(config: TrainConfig, on_event: EventHandler, cancel: CancelToken | None, fresh: bool,
         start: FCN | None = None, on_model: ModelHandler | None = None) -> list[StageFinished]:
    cancel = cancel or CancelToken()
    device = resolve_device(config.device)
    dist = distributed.from_env(device)
    if dist is not None:
        device = dist.device
    main = distributed.is_main(dist)
    try:
        train_set, val_set = _datasets(config)
        # Every item is decoded once before the first update; a run whose stages all finished
        # (resumed to re-read its results) has nothing left to train and skips it.
        verify = functools.cache(lambda: _verify(config, train_set, val_set, cancel))
        first = None
        if fresh:
            verify()  # before config.json: a broken set leaves no run folder behind
            # --init and --pretrained are opened before config.json too: a refused file leaves nothing.
            first = stage_model(config, config.stages[0], train_set, config.init, source=start)
        # One process per run folder; the lock makes "no run here yet" and writing config.json one step.
        with run_lock(config.out) if main else contextlib.nullcontext():
            if fresh and main:
                refuse_existing_run(config)
                if start is not None:
                    save_model(start, config.init)
                write_config(config)
            results: list[StageFinished] = []
            init = config.init
            for stage in config.stages:
                result = _run_stage(config, stage, init, train_set, val_set, device, dist, on_event, cancel, verify, first,
                                    on_model)
                first = None
                results.append(result)
                if result.status != "done":
                    break
                init = str(config.stage_dir(stage) / BEST)
            return results
    finally:
        distributed.barrier(dist)
        distributed.shutdown(dist)


def _verify(config: TrainConfig, train_set: SegmentationDataset, val_set: SegmentationDataset | None,
            cancel: CancelToken) -> None:
    verify_dataset(train_set, f"training split {config.train_split!r}", lambda: cancel.cancelled)
    if val_set is not None:
        verify_dataset(val_set, f"validation split {config.val_split!r}", lambda: cancel.cancelled)


def _run_stage(config: TrainConfig, stage: str, init: str, train_set: SegmentationDataset,
               val_set: SegmentationDataset | None, device: torch.device, dist: distributed.Context | None,
               on_event: EventHandler, cancel: CancelToken, verify: Callable[[], None],
               model: FCN | None = None, on_model: ModelHandler | None = None) -> StageFinished:
    """Train (or continue) one stage; `model` is the stage's fresh model when the caller built it already."""
    run_dir = config.stage_dir(stage)
    ckpt = checkpoint_path(run_dir)
    state = load_checkpoint(ckpt, device) if ckpt.is_file() else None
    if state is not None and state.get("finished"):
        log.info("stage %s already finished in %s", stage, run_dir)
        return StageFinished(stage, "done", int(state["iteration"]), "already finished", str(run_dir / BEST),
                             state.get("best_metrics", {}) or {})
    verify()
    if model is None:
        model = stage_model(config, stage, train_set, init)
    setup = StageSetup(stage=stage, model=model, recipe=config.recipe, train_set=train_set, val_set=val_set,
                       run_dir=run_dir, device=device, seed=config.seed, precision=config.precision,
                       band=config.band, init=init)
    trainer = StageTrainer(setup, on_event, cancel, dist)
    if state is not None:
        trainer.resume(state)
    if on_model is not None:
        on_model(stage, trainer.model)
    return trainer.run()
