"""The Training dock's workflow without Qt: what a run is made of, which run is going, how it
ended, what Resume… offers and what the form remembers across launches.

The form hands over its choices as plain values (`TrainingChoices`); `config()` applies the
policy rules (a stage from the current model continues that model's trunk and its solver, an
empty run folder field picks a fresh dated folder); `start()` / `resume()` give the TrainJob to
run and mark the run as going; `take(event)` follows its events; `trained()` / `finished()` close
it. `gui/training_control.py` only wires the widgets and the job runner to this object, and
tests drive it without a window (tests/app/test_training_session.py).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from ..engine import ARCHITECTURES
from ..errors import RecipeError
from . import note_rules
from .catalog import ModelEntry, backbone_of_arch
from .downloads.job import InstallJob
from .downloads.trunks import trunk_download, trunk_entry, trunk_file
from .eval_job import EvalDone, EvalJob
from .train_defaults import TrainDefaults
from .train_job import Recipe, StageFinished, StepDone, TrainConfig, TrainDone, TrainJob, checkpoint_of
from .view_model import Store

log = logging.getLogger(__name__)

DEFAULT_RUNS = Path.home() / "fcn-studio-runs"
FORM_KEY = "training/form"  # the settings key of the remembered form (JSON)


@dataclass(frozen=True)
class TrainingChoices:
    """What the training form says, as plain values. `recipe` is a preset or a loaded file, or
    the device's defaults, whose solver depends on the stage (TrainDefaults.recipe)."""

    data: str
    recipe: Recipe | TrainDefaults
    iterations: int
    eval_every: int
    checkpoint_every: int
    stage: str
    from_current: bool = False
    backbone: str = "vgg16"
    width: float = 1.0
    device: str = "cpu"
    out: str = ""  # "" picks DEFAULT_RUNS/<dataset>-<stage>-<time>
    start_from: str = ""  # a catalogue trunk's name ("vgg16-caffe"), as `train --init NAME`; "" the backbone's start


@dataclass
class RememberedForm:
    """The form's fields a relaunch shows again (the recipe by its name in the list)."""

    data: str = ""
    recipe: str = ""
    backbone: str = ""
    stage: str = ""
    from_current: bool = False
    width: float = 0.0
    iterations: int = 0
    eval_every: int = 0
    checkpoint_every: int = 0
    out: str = ""
    start_from: str = ""


class TrainingSession:
    """One training workflow's state: `running`, the `run_dir` of the run going (or last gone),
    `last_cancelled` (what Resume… offers first), `last_step`, the stages' `results`, the
    `best_model` file the last stage saved, and the `last_eval`."""

    def __init__(self, store: Store, runs_root: Path = DEFAULT_RUNS):
        self.store, self.runs_root = store, runs_root
        self.running = False
        self.run_dir: Path | None = None
        self.last_cancelled: Path | None = None
        self.last_step: StepDone | None = None
        self.results: list[StageFinished] = []
        self.best_model: Path | None = None
        self.last_eval: EvalDone | None = None

    # ----- a run's configuration ---------------------------------------------------------------
    def config(self, choices: TrainingChoices, current: ModelEntry | None = None) -> TrainConfig:
        """The TrainConfig the choices make (RecipeError if they make none). A stage from the current
        model starts from its file, on its trunk (whatever the backbone choice says), and the
        device's defaults keep the solver that model learned with. A catalogue trunk is the run's
        init, its trunk and width those of the file (`download_for` brings it first)."""
        init, backbone, width, init_optimizer = "", choices.backbone, choices.width, None
        if choices.from_current:
            if current is None:
                raise RecipeError(None, f"FCN-{choices.stage} from the current model needs a current model; "
                                  "open one first (Model ▸ Open…)")
            init = str(current.path)
            backbone = backbone_of_arch(current.info.arch) or backbone
            init_optimizer = current.info.recipe.get("optimizer")
        elif choices.start_from:
            trunk = trunk_entry(choices.start_from)
            init, backbone, width = str(trunk_file(trunk.name)), ARCHITECTURES[trunk.arch].backbone, trunk.width
        recipe, precision = choices.recipe, "fp32"
        if isinstance(recipe, TrainDefaults):  # the Quick preset: bf16 autocast where native and measured faster
            recipe, precision = recipe.recipe(choices.from_current, init_optimizer), "auto"
        recipe = recipe.with_overrides(iterations=choices.iterations, eval_every=choices.eval_every,
                                       checkpoint_every=choices.checkpoint_every)
        return TrainConfig(data=choices.data.strip(), out=str(self.run_folder(choices)), recipe=recipe,
                           stage=choices.stage, width=width, init=init, backbone=backbone, device=choices.device,
                           precision=precision)

    def download_for(self, choices: TrainingChoices) -> InstallJob | None:
        """The download to run before the run: the chosen trunk when it is not here yet, else None."""
        if choices.from_current or not choices.start_from:
            return None
        return trunk_download(choices.start_from)

    def run_folder(self, choices: TrainingChoices) -> Path:
        """The typed run folder, or a new dated one under `runs_root` named after the dataset."""
        if choices.out.strip():
            return Path(choices.out.strip()).expanduser()
        name = Path(choices.data.strip()).name or "run"
        return self.runs_root / f"{name}-{choices.stage}-{time.strftime('%Y%m%d-%H%M%S')}"

    # ----- a run's life ------------------------------------------------------------------------
    def start(self, config: TrainConfig) -> TrainJob:
        self._begin(Path(config.out))
        return TrainJob(config)

    def resume(self, run_dir: str | Path) -> TrainJob:
        """Continue `run_dir` (no longer offered as interrupted: it is going again)."""
        note_rules.forget_interrupted(self.store, run_dir)
        self._begin(Path(run_dir))
        return TrainJob(run_dir=run_dir)

    def take(self, event: object) -> None:
        """Follow one event of the running job."""
        if isinstance(event, StepDone):
            self.last_step = event
        elif isinstance(event, StageFinished):
            if event.status == "cancelled":
                self.last_cancelled = self.run_dir
            if event.best_model and Path(event.best_model).is_file():
                self.best_model = Path(event.best_model)

    def trained(self, done: TrainDone) -> None:
        """The job returned: a run whose every stage is done is no longer offered for resuming."""
        self.results = done.results
        if self.run_dir is not None and done.results and all(r.status == "done" for r in done.results):
            note_rules.forget_interrupted(self.store, self.run_dir)
            if self.last_cancelled == self.run_dir:
                self.last_cancelled = None

    def finished(self) -> None:
        self.running = False

    def resume_suggestion(self) -> Path:
        """Where Resume… opens: the run just cancelled, else the run folder in use, else `runs_root`."""
        return self.last_cancelled or self.run_dir or self.runs_root

    def quit_question(self) -> str:
        """What to ask before quitting while this run trains."""
        step, run = self.last_step, self.run_dir or Path(".")
        where = f"iteration {step.iteration} of {step.iterations}" if step else "no update finished yet"
        checkpoint = checkpoint_of(run, step.stage) if step else checkpoint_of(run, "32s")
        return (f"Training is running ({where}). Quit and keep the checkpoint at {checkpoint}? "
                "You can resume it at the next launch.")

    def interrupted(self) -> None:
        """The window quits while this run trains: offer it for resuming at the next launch."""
        if self.run_dir is not None:
            note_rules.remember_interrupted(self.store, self.run_dir)

    # ----- evaluation --------------------------------------------------------------------------
    def evaluation(self, entry: ModelEntry, data: str | Path, split: str, device: str) -> EvalJob:
        return EvalJob(entry.path, data, split, device)

    def evaluated(self, done: EvalDone | None) -> EvalDone | None:
        if done is not None:
            self.last_eval = done
        return done

    # ----- the form across launches ------------------------------------------------------------
    def remember(self, form: RememberedForm) -> None:
        self.store.setValue(FORM_KEY, json.dumps(asdict(form)))

    def remembered(self) -> RememberedForm | None:
        """The form as last started, or None (never started, or a value this version cannot read)."""
        raw = self.store.value(FORM_KEY)
        if not raw:
            return None
        try:
            values: dict[str, Any] = json.loads(str(raw))
            known = {f.name: f.type for f in fields(RememberedForm)}
            return RememberedForm(**{k: v for k, v in values.items() if k in known})
        except (ValueError, TypeError) as exc:
            log.warning("the remembered training form is unreadable (%s); starting from the defaults", exc)
            return None

    def _begin(self, run_dir: Path) -> None:
        self.running, self.run_dir = True, run_dir
        self.results, self.last_step, self.best_model = [], None, None
