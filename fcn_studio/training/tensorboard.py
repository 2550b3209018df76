"""TensorBoard scalars of a run, written beside metrics.jsonl when `tensorboard` is installed.

PyTorch users look at training in TensorBoard; `pip install fcn-studio[tensorboard]` makes every
run folder one: `tensorboard --logdir RUN` (a staged run shows its stages as three runs). The
scalars are those of the events the trainer reports — loss, lr and throughput per logged step,
the paper's metrics per evaluation — so they agree with metrics.jsonl and the app's plots.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from .scores import headline
from .events import Evaluated, Event, StepDone

log = logging.getLogger(__name__)

FOLDER = "tensorboard"


def tensorboard_available() -> bool:
    return importlib.util.find_spec("tensorboard") is not None


class TensorBoardLog:
    """Scalars under train/ (loss, lr, images_per_s) and val/ (pixel_acc, mean_acc, mean_iu, fwiu,
    boundary_iu, interior_iu), by update. A resumed run purges what it will redo."""

    def __init__(self, run_dir: str | Path, purge_step: int | None = None):
        from torch.utils.tensorboard import SummaryWriter  # needs the tensorboard package

        self.folder = Path(run_dir) / FOLDER
        self.writer = SummaryWriter(str(self.folder), purge_step=purge_step)

    @classmethod
    def open(cls, run_dir: str | Path, purge_step: int | None = None) -> "TensorBoardLog | None":
        """A log for `run_dir`, or None where tensorboard is not installed."""
        return cls(run_dir, purge_step) if tensorboard_available() else None

    def write(self, event: Event) -> None:
        if isinstance(event, StepDone):
            for name in ("loss", "lr", "images_per_s"):
                self.writer.add_scalar(f"train/{name}", getattr(event, name), event.iteration)
        elif isinstance(event, Evaluated):
            for name, value in headline(event.metrics).items():
                if value is not None:
                    self.writer.add_scalar(f"val/{name}", value, event.iteration)
            self.writer.flush()

    def close(self) -> None:
        self.writer.close()
