"""`fcn-studio train`: the paper's recipes on its three trunks, staged 32s → 16s → 8s, resumable, under torchrun."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from ..text import duration
from ..training.events import CancelToken, Evaluated, StageFinished, StageStarted, StepDone
from ..training.recipes import PRESETS, TRAINING_PRECISIONS, load_recipe
from ..training.run_folder import BACKBONE_CHOICES, STAGE_CHOICES, TrainConfig
from ..training.scores import DEFAULT_BAND, band_line, class_table, headline_line
from ..errors import CommandError

if TYPE_CHECKING:
    from ..terminal_progress import ProgressLine

DESCRIPTION = """\
Train a Fully Convolutional Network on a segmentation dataset, the way the paper does.

A run folder (--out) receives config.json, metrics.jsonl (loss and validation metrics),
checkpoints/last.pt and best.safetensors, the best model so far, ready for `fcn-studio eval`,
`segment` and the app. Ctrl-C once stops cleanly after saving a checkpoint; --resume continues.

Stages (--stage):
  32s      FCN-32s: the trunk and score_fr, upsampled 32× at once
  16s      FCN-16s; give --init a 32s model (the paper fine-tunes 16s from 32s)
  8s       FCN-8s; give --init a 16s model
  staged   32s, then 16s from the best 32s, then 8s from the best 16s (RUN/32s, RUN/16s, RUN/8s)
  atonce   FCN-8s trained in one go, with the pool4/pool3 scaling of the reference (VGG16 only)

Backbones (--backbone; CVPR Table 1):
  vgg16      the paper's net (fcn32s, fcn16s, fcn8s, fcn8s-atonce)
  alexnet    FCN-AlexNet (alexnet-fcn32s, -16s, -8s)
  googlenet  FCN-GoogLeNet (googlenet-fcn32s, -16s, -8s), batch norm frozen
With --init the backbone and width are the init model's. --pretrained PTH starts the trunk from
a torchvision ImageNet classifier state_dict of the backbone (never downloaded; read with
weights_only); from scratch otherwise.

Recipes (--recipe NAME or a .toml/.json file of fields; see README):
  paper    SGD momentum 0.9, 20 images per update, lr 1e-4 (16s/8s: lr/100), weight decay 5e-4,
           biases at 2× lr, mean loss over pixels
  heavy    the reference code: batch 1, momentum 0.99, summed loss, lr 1e-10 / 1e-12 / 1e-14
  fixed    FCN-32s-fixed of the paper's Table 2: only the score layer learns
"""

EPILOG = """\
examples:
  fcn-studio make-synthetic data/scenes --n 1000 --size 128
  fcn-studio train --data data/scenes --out runs/first --stage staged --width 0.25 --iterations 500
  fcn-studio train --data VOC2012 --out runs/alex --stage staged --backbone alexnet --pretrained alexnet.pth
  fcn-studio train --resume runs/first
  torchrun --nproc_per_node=2 -m fcn_studio train --data data/scenes --out runs/ddp --width 0.25
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train or fine-tune an FCN-VGG16, -AlexNet or -GoogLeNet (staged, resumable)",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", metavar="ROOT", help="dataset folder (VOC layout, SBD, or images/ + masks/)")
    p.add_argument("--out", metavar="RUN", help="new run folder to write")
    p.add_argument("--resume", metavar="RUN", help="continue the run in this folder exactly where it stopped")
    p.add_argument("--recipe", default="paper", help=f"{', '.join(PRESETS)} or a recipe file (default paper)")
    p.add_argument("--stage", choices=STAGE_CHOICES, default="32s", help="what to train (default 32s)")
    p.add_argument("--init", metavar="MODEL", default="", help="start from this model (e.g. the 32s model for 16s) or a catalogue name "
                   "(vgg16-caffe: the paper's start)")
    p.add_argument("--backbone", choices=BACKBONE_CHOICES, default="vgg16",
                   help="trunk of the FCN (default vgg16; with --init, the init model's)")
    p.add_argument("--pretrained", metavar="PTH", default="",
                   help="initialise the trunk from a torchvision ImageNet state_dict of the backbone, or a "
                   "catalogue trunk (vgg16-torchvision, alexnet-torchvision, googlenet-torchvision)")
    p.add_argument("--width", type=float, default=1.0, help="channel width multiplier; 1 is the paper's net "
                   "(default 1; 0.25 trains on a CPU)")
    p.add_argument("--train-split", default="train", help="training split name or list file (default train)")
    p.add_argument("--val-split", default="val", help="validation split, evaluated every --eval-every (default val)")
    p.add_argument("--seed", type=int, default=0, help="seed for data order, augmentation and dropout (default 0)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda … (default auto)")
    p.add_argument("--precision", choices=TRAINING_PRECISIONS, default="fp32",
                   help="fp32 (default: the exact arithmetic, a resumed run matches an uninterrupted one), bf16 autocast, "
                   "or auto: bf16 autocast where this device runs it natively and a brief measurement finds it faster")
    p.add_argument("--family", default="", help="name that groups the stages' models in the app (default: RUN's name)")
    p.add_argument("--band", type=int, default=DEFAULT_BAND,
                   help=f"boundary band for the boundary IU, px (default {DEFAULT_BAND})")
    over = p.add_argument_group("recipe overrides (default: the recipe's value)")
    over.add_argument("--iterations", type=int, help="SGD updates per stage")
    over.add_argument("--lr", type=float, help="base learning rate (32s; later stages scale it)")
    over.add_argument("--optimizer", choices=("sgd", "adam"))
    over.add_argument("--momentum", type=float)
    over.add_argument("--images-per-update", type=int, help="images whose gradients make one update")
    over.add_argument("--batch-size", type=int, help="images per forward pass (gradients are accumulated)")
    over.add_argument("--eval-every", type=int, help="updates between validations")
    over.add_argument("--checkpoint-every", type=int, help="updates between checkpoints")
    over.add_argument("--loss-sampling", type=float, help="keep each 32 px cell of the loss with this probability")
    over.add_argument("--class-balance", action="store_const", const=True, help="median-frequency class weights")
    over.add_argument("--mirror", action="store_const", const=True, help="random horizontal flips")
    over.add_argument("--jitter", type=int, help="random translation up to this many px")
    p.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    if not args.data or not args.out:
        raise CommandError("train needs --data ROOT and --out RUN (or --resume RUN)")
    recipe = load_recipe(args.recipe).with_overrides(
        iterations=args.iterations, lr=args.lr, optimizer=args.optimizer, momentum=args.momentum,
        images_per_update=args.images_per_update, batch_size=args.batch_size, eval_every=args.eval_every,
        checkpoint_every=args.checkpoint_every, loss_sampling=args.loss_sampling,
        class_balance=args.class_balance, mirror=args.mirror, jitter=args.jitter)
    from ..app.model_choice import model_file, pretrained_file  # a catalogue name is fetched on first use

    init = str(model_file(args.init)) if args.init else ""
    pretrained = str(pretrained_file(args.pretrained)) if args.pretrained else ""
    return TrainConfig(data=args.data, out=args.out, recipe=recipe, stage=args.stage, width=args.width,
                       init=init, backbone=args.backbone, pretrained=pretrained, train_split=args.train_split,
                       val_split=args.val_split, seed=args.seed, device=args.device, precision=args.precision,
                       family=args.family, band=args.band)


def run(args: argparse.Namespace) -> int:
    from ..training.stages import resume, train

    cancel = CancelToken()
    printer = TrainPrinter(enabled=int(os.environ.get("RANK", "0")) == 0, run_dir=args.resume or args.out)
    previous = signal.signal(signal.SIGINT, first_interrupt_cancels(cancel))
    try:
        if args.resume:
            results = resume(args.resume, printer, cancel)
        else:
            results = train(config_from_args(args), printer, cancel)
    except ValueError as exc:  # a setting the library refused (FileProblems would print alike at the top)
        raise CommandError(str(exc)) from None
    finally:
        signal.signal(signal.SIGINT, previous)
    printer.summary(results)
    return 0 if results and all(r.status == "done" for r in results) else 1


def first_interrupt_cancels(cancel: CancelToken):
    """Ctrl-C once: stop at the next step with a checkpoint. Twice: stop now."""
    def handler(signum: int, frame: Any) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print("\nstopping after this step (checkpoint will be saved); Ctrl-C again to stop at once",
              file=sys.stderr, flush=True)
    return handler


class TrainPrinter:
    """Turns trainer events into a progress bar and readable evaluation lines (rank 0 only)."""

    def __init__(self, enabled: bool = True, run_dir: str | None = None):
        self.enabled, self.run_dir = enabled, run_dir  # run_dir: where `--resume` continues a stopped stage
        self.bar: ProgressLine | None = None
        self.last_loss = float("nan")

    def __call__(self, event: Any) -> None:
        if not self.enabled:
            return
        if isinstance(event, StageStarted):
            start = f" (resuming at {event.start_iteration})" if event.start_iteration else ""
            init = f" from {event.init}" if event.init else ""
            print(f"stage {event.stage}: {event.arch}{init}, {event.iterations} updates{start}", flush=True)
            from ..terminal_progress import ProgressLine  # tqdm: loaded by a run, not by `--help`

            self.bar = ProgressLine("updates")
        elif isinstance(event, StepDone) and self.bar is not None:
            self.bar(event.iteration, event.iterations, f"loss {event.loss:.4f}  lr {event.lr:.2g}  "
                     f"{event.images_per_s:.1f} img/s  ETA {duration(event.eta_s)}")
        elif isinstance(event, Evaluated):
            best = "  (best so far)" if event.is_best else ""
            self._line(f"  val @ {event.iteration}: {headline_line(event.metrics)}{best}")
        elif isinstance(event, StageFinished):
            if self.bar is not None:
                self.bar.close()
            self._line(f"stage {event.stage} {event.status}: {event.message}")
            if event.status == "cancelled" and self.run_dir:  # the window says Resume…; a terminal, the command
                self._line(f"continue with: fcn-studio train --resume {self.run_dir}")

    def _line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text)
        else:
            print(text, flush=True)

    def summary(self, results: list[StageFinished]) -> None:
        if not self.enabled or not results:
            return
        print("\nsummary")
        for r in results:
            scores = headline_line(r.metrics) if r.metrics else "no validation"
            print(f"  {r.stage:>6}  {r.status:<9} {scores}")
        final = results[-1]
        if final.metrics:
            print(band_line(final.metrics))
            print(class_table(final.metrics))
