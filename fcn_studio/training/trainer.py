"""One training stage: SGD over whole images, evaluation, checkpoints, cancel, resume, NaN guard.

The loop is the paper's (§4.3): minibatches of whole images accumulated up to
`images_per_update`, SGD with momentum, biases at 2× lr without weight decay, a fixed lr. Every
source of randomness is derived from (seed, update, micro-step, rank), so a run resumed from a
checkpoint continues bit for bit as if it had never stopped.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ..errors import CheckpointError, RecipeError, WeightFileError
from ..data.dataset import SegmentationDataset
from ..engine.fcn import FCN
from ..engine.model_info import normalize
from ..engine.weights import save_model
from ..files import remove_stale_temps
from . import distributed
from .batches import BatchPlan, derived_seed
from .cached_trunk import cached_trunk
from .checkpoint import checkpoint_path, load_checkpoint, save_checkpoint
from .evaluate import Cancelled, evaluate
from .events import CancelToken, CheckpointSaved, Evaluated, Event, EventHandler, StageFinished, StageStarted, StepDone, ignore
from .loss import class_weights, pixel_loss, sample_cells
from .precision import resolve_training_precision
from .recipes import Recipe
from .run_folder import BEST, MetricsLog
from .tensorboard import TensorBoardLog

log = logging.getLogger(__name__)


@dataclass
class StageSetup:
    """Everything one stage needs, built by `stages.py` from a TrainConfig."""

    stage: str
    model: FCN
    recipe: Recipe
    train_set: SegmentationDataset
    val_set: SegmentationDataset | None
    run_dir: Path
    device: torch.device
    seed: int = 0
    precision: str = "fp32"
    band: int = 4
    init: str = ""


def parameter_groups(model: FCN, recipe: Recipe) -> list[dict[str, Any]]:
    """Weights at lr with weight decay; biases at `bias_lr_mult`× lr without (REF lr_mult 2,
    decay_mult 0). Frozen parameters (the fixed final upsampling, a fixed trunk) stay out."""
    weights, biases = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (biases if name.endswith(".bias") else weights).append(param)
    groups = [{"params": weights, "lr_mult": 1.0, "weight_decay": recipe.weight_decay}]
    if biases:
        groups.append({"params": biases, "lr_mult": recipe.bias_lr_mult, "weight_decay": 0.0})
    return groups


def without_dropout(model: FCN) -> None:
    """Switch off every dropout of the trunk (VGG16's and AlexNet's drop6/drop7, GoogLeNet's
    dropout before score_fr), whichever the trunk has."""
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0


def make_optimizer(groups: list[dict[str, Any]], recipe: Recipe, stage: str) -> torch.optim.Optimizer:
    """SGD with momentum (the paper), or Adam with `momentum` as β1 for training from scratch."""
    lr = recipe.stage_lr(stage)
    if recipe.optimizer == "adam":
        return torch.optim.Adam(groups, lr=lr, betas=(recipe.momentum, 0.999))
    return torch.optim.SGD(groups, lr=lr, momentum=recipe.momentum)


class StageTrainer:
    def __init__(self, setup: StageSetup, on_event: EventHandler = ignore, cancel: CancelToken | None = None,
                 dist: distributed.Context | None = None):
        self.setup = setup
        self.recipe = setup.recipe
        self.on_event = on_event
        self.cancel = cancel or CancelToken()
        self.dist = dist
        self.model = setup.model.to(setup.device)
        if not self.recipe.dropout:
            without_dropout(self.model)
        world = dist.world_size if dist else 1
        if self.recipe.images_per_update % (world * self.recipe.batch_size):
            raise RecipeError(None, f"images_per_update ({self.recipe.images_per_update}) must be a multiple of "
                              f"processes × batch_size ({world} × {self.recipe.batch_size})")
        self.per_rank = self.recipe.images_per_update // world
        self.micro_steps = self.per_rank // self.recipe.batch_size
        self.plan = BatchPlan(setup.train_set, setup.seed, dist.rank if dist else 0, world,
                              self.recipe.mirror, self.recipe.jitter)
        self.trunk_cache = cached_trunk(self.model, self.recipe, world)
        groups = parameter_groups(self.model, self.recipe)
        self.optimizer = make_optimizer(groups, self.recipe, setup.stage)
        self.net = DistributedDataParallel(self.model) if dist else self.model
        self.weights = class_weights(setup.train_set, self.model.num_classes).to(setup.device) if self.recipe.class_balance else None
        self.log = MetricsLog(setup.run_dir)
        self.board: TensorBoardLog | None = None  # opened by run(), once a resume has set the update
        self.iteration = 0
        self.best_mean_iu = -math.inf
        self.best_metrics: dict[str, Any] = {}
        self.saved_at: int | None = None  # update of the last checkpoint on disk
        self.evaluated_at = -1  # update of the last evaluation that ran to its end
        if self.main:
            for path in (checkpoint_path(setup.run_dir), setup.run_dir / BEST):
                for stale in remove_stale_temps(path):
                    log.info("removed %s, left by an interrupted save", stale)
        self.precision = resolve_training_precision(setup.precision, self.model, setup.device)  # auto: measured
        self.autocast = (torch.autocast(setup.device.type, dtype=torch.bfloat16)
                         if self.precision == "bf16" else contextlib.nullcontext())

    @property
    def main(self) -> bool:
        return distributed.is_main(self.dist)

    def resume(self, state: dict[str, Any] | None = None) -> None:
        """Continue from a checkpoint (RUN/checkpoints/last.pt unless the caller read it already):
        weights, momentum, update count, best so far."""
        path = checkpoint_path(self.setup.run_dir)
        state = state or load_checkpoint(path, self.setup.device)
        self._check_fits(state, path)
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(path, f"does not fit this run's model or optimizer ({str(exc).splitlines()[0]})") from None
        self.iteration = self.saved_at = int(state["iteration"])
        self.best_mean_iu = float(state.get("best_mean_iu", -math.inf))
        self.best_metrics = state.get("best_metrics", {}) or {}
        pending = bool(state.get("eval_pending", False))
        self.evaluated_at = -1 if pending else self.iteration
        if self.main:
            self.log.truncate_after(self.iteration, redo_eval=pending)
        log.info("resumed %s at update %d of %d", self.setup.stage, self.iteration, self.recipe.iterations)

    def _check_fits(self, state: dict[str, Any], path: Path) -> None:
        """A checkpoint of another width, trunk or class count (a copied last.pt, an edited
        config.json) is refused naming the first tensor that differs."""
        saved = state["model"]
        if not isinstance(saved, dict):
            raise CheckpointError(path, "holds no model state")
        own = self.model.state_dict()
        missing = sorted(set(own) - set(saved))
        wrong = [k for k in own if k in saved and getattr(saved[k], "shape", None) != own[k].shape]
        if missing or wrong:
            shape = getattr(saved[wrong[0]], "shape", None) if wrong else None
            what = (f"{wrong[0]} has shape {tuple(shape) if shape is not None else None}, this run's {self.model.arch} needs "
                    f"{tuple(own[wrong[0]].shape)}" if wrong else f"it lacks {missing[0]}")
            raise CheckpointError(path, f"was saved by another model ({what}); resume it with the configuration it "
                                  "was trained with, or start a new run folder")

    def run(self) -> StageFinished:
        total = self.recipe.iterations
        if self.main and self.saved_at is None:
            self.log.restart()  # no checkpoint: whatever an earlier attempt logged is redone from update 0
        if self.main:
            self.board = TensorBoardLog.open(self.setup.run_dir, purge_step=self.iteration + 1 if self.iteration else None)
        try:
            self._emit(StageStarted(self.setup.stage, self.model.arch, total, self.iteration, self.setup.init))
            return self._loop(total)
        except (CheckpointError, WeightFileError, OSError) as exc:  # a full disk, a vanished folder: nothing more can be kept
            kept = (f"the checkpoint of update {self.saved_at} in {self.setup.run_dir} is intact; resuming continues from it"
                    if self.saved_at is not None else "no checkpoint had been saved yet")
            return self._finish("failed", f"stopped at update {self.iteration}: {exc}; {kept}", self._best_path())
        finally:
            if self.board is not None:
                self.board.close()

    def _emit(self, event: Event, logged: bool = True) -> None:
        """Report `event` to the caller and, on the main process, record it in the run folder
        (metrics.jsonl and TensorBoard): the record is the events themselves."""
        self.on_event(event)
        if logged and self.main:
            self.log.append(event)
            if self.board is not None:
                self.board.write(event)

    def _loop(self, total: int) -> StageFinished:
        seconds_per_update = None
        try:
            if self._eval_pending():
                self._evaluate()  # the one a cancel or a kill interrupted, so the resumed run matches
            while self.iteration < total:
                if self._stop_requested():
                    return self._stop("cancelled", f"cancelled at update {self.iteration}; checkpoint saved in "
                                      f"{self.setup.run_dir}")
                start = time.perf_counter()
                lr = self._set_lr()
                loss = self._update()
                if loss is None:
                    return self._stop("failed", f"the loss became NaN or infinite at update {self.iteration + 1} "
                                      f"(lr {self.recipe.stage_lr(self.setup.stage):g} may be too high); the last good "
                                      f"state (update {self.iteration}) is saved in {checkpoint_path(self.setup.run_dir)}")
                self.iteration += 1
                took = time.perf_counter() - start
                seconds_per_update = took if seconds_per_update is None else 0.9 * seconds_per_update + 0.1 * took
                self._report_step(loss, lr, seconds_per_update, took)
                if self.iteration % self.recipe.checkpoint_every == 0 and self.iteration < total:
                    self._checkpoint()
                if self.iteration % self.recipe.eval_every == 0 or self.iteration == total:
                    self._evaluate()
        except Cancelled:
            return self._stop("cancelled", f"cancelled during evaluation at update {self.iteration}; checkpoint saved, "
                              f"--resume {self.setup.run_dir} evaluates again and continues")
        self._checkpoint(finished=True)
        if self.setup.val_set is None and self.main:
            self._save_best({})
        best = str(self.setup.run_dir / BEST)
        return self._finish("done", f"finished {total} updates; best model {best}", best)

    def _eval_pending(self) -> bool:
        """An evaluation is due at this update and has not run to its end."""
        due = self.iteration > 0 and (self.iteration % self.recipe.eval_every == 0 or self.iteration == self.recipe.iterations)
        return due and self.setup.val_set is not None and self.evaluated_at != self.iteration

    def _best_path(self) -> str:
        best = self.setup.run_dir / BEST
        return str(best) if best.is_file() else ""

    def _stop_requested(self) -> bool:
        return distributed.any_rank(self.cancel.cancelled, self.dist, self.setup.device)

    def _set_lr(self) -> float:
        """The lr of the coming update, written into every group (biases at their multiple)."""
        lr = self.recipe.lr_at(self.setup.stage, self.iteration)
        for group in self.optimizer.param_groups:
            group["lr"] = lr * group["lr_mult"]
        return lr

    def _update(self) -> float | None:
        """One SGD update over `images_per_update` images; None if the loss was not finite.

        The check comes before `backward`, so a bad batch never reaches the weights and the
        state on disk and in memory stays the last good one.
        """
        self.net.train()
        self.optimizer.zero_grad(set_to_none=True)
        rank = self.dist.rank if self.dist else 0
        losses = []
        for micro in range(self.micro_steps):
            torch.manual_seed(derived_seed(self.setup.seed, self.iteration, micro, rank))
            position = self.iteration * self.per_rank + micro * self.recipe.batch_size
            images, labels = self.plan.batch(position, self.recipe.batch_size)
            y = labels.to(self.setup.device)
            if self.recipe.loss_sampling < 1:
                gen = torch.Generator().manual_seed(derived_seed(self.setup.seed, self.iteration, micro, rank, 1))
                y = sample_cells(y, self.recipe.loss_sampling, gen)
            last = micro == self.micro_steps - 1
            sync = contextlib.nullcontext() if last or self.dist is None else self.net.no_sync()
            with sync:
                with self.autocast:
                    loss = pixel_loss(self._logits(images, position), y, self.recipe.normalize_loss, self.weights)
                if distributed.any_rank(not torch.isfinite(loss).item(), self.dist, self.setup.device):
                    return None
                (loss / self.micro_steps).backward()
            losses.append(loss.item())
        self.optimizer.step()
        return sum(losses) / len(losses)

    def _logits(self, images: torch.Tensor, position: int) -> torch.Tensor:
        """The net's logits for a batch: from cached trunk blobs where the recipe allows (cached_trunk.py)."""
        if self.trunk_cache is not None:
            return self.trunk_cache.logits(images, self.plan.keys(position, images.shape[0]))
        return self.net(normalize(images.to(self.setup.device), self.model.info.input))

    def _report_step(self, loss: float, lr: float, seconds_per_update: float, took: float) -> None:
        rate = self.recipe.images_per_update / seconds_per_update if seconds_per_update > 0 else 0.0
        eta = seconds_per_update * (self.recipe.iterations - self.iteration)
        logged = self.iteration % self.recipe.log_every == 0 or self.iteration == 1
        self._emit(StepDone(self.setup.stage, self.iteration, self.recipe.iterations, loss, lr, rate, eta, took), logged)

    def _evaluate(self) -> None:
        if self.setup.val_set is None:
            return
        metrics = evaluate(self.model, self.setup.val_set, self.setup.device, self.setup.band, cancel=self.cancel, dist=self.dist)
        score = metrics["mean_iu"]
        is_best = not math.isnan(score) and score > self.best_mean_iu
        if is_best:
            self.best_mean_iu, self.best_metrics = score, metrics
            if self.main:
                self._save_best(metrics)
        self.evaluated_at = self.iteration
        self._emit(Evaluated(self.setup.stage, self.iteration, metrics, is_best))

    def _save_best(self, metrics: dict[str, Any]) -> None:
        info = replace(self.model.info, metrics={k: v for k, v in metrics.items() if k != "class_names"},
                       notes={**self.model.info.notes, "stage": self.setup.stage, "iteration": self.iteration})
        save_model(self.model, self.setup.run_dir / BEST, info)

    def _checkpoint(self, finished: bool = False) -> None:
        if not self.main:
            return
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "iteration": self.iteration, "best_mean_iu": self.best_mean_iu, "best_metrics": self.best_metrics,
                 "finished": finished, "eval_pending": self._eval_pending(),
                 "stage": self.setup.stage}
        path = save_checkpoint(state, checkpoint_path(self.setup.run_dir))
        self.saved_at = self.iteration
        self._emit(CheckpointSaved(self.setup.stage, self.iteration, str(path)))

    def _stop(self, status: str, message: str) -> StageFinished:
        self._checkpoint()
        return self._finish(status, message, self._best_path())

    def _finish(self, status: str, message: str, best: str) -> StageFinished:
        log.debug("%s %s: %s", self.setup.stage, status, message)  # the event carries it to the user
        event = StageFinished(self.setup.stage, status, self.iteration, message, best, self.best_metrics)
        try:
            self._emit(event)
        except OSError as exc:  # the full disk that stopped the stage may refuse its log line too
            log.warning("%s: the end of stage %s is not in the log (%s)", self.log.path, self.setup.stage, exc)
        return event
