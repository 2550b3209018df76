"""Training and evaluation as app jobs, plus the live dataset check of the training form.

`fcn_studio.training` reports through a callback (`on_event`) and stops on a CancelToken; a job
is a generator of events. `_stream` bridges the two: the library call runs on a helper thread,
its events go through a queue, and `run()` yields them as they come — so the GUI worker turns
them into signals and a test or a CLI just iterates. `cancel()` sets the token; the trainer
saves a checkpoint and returns with status "cancelled".
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import FileProblem
from ..data.detect import detect_layout, open_dataset
from ..engine import load_model
from ..engine.devices import resolve_device
from ..training import Cancelled, StageFinished, TrainConfig, evaluate, read_config, resume, train
from ..training.events import Event
from ..training.run_folder import MetricsLog
from .jobs import Job, JobError

log = logging.getLogger(__name__)

CHECK_ITEMS = 3  # images per split that the live check actually decodes (it runs on each keystroke)
_END = object()


@dataclass
class TrainDone:
    """The last event of a TrainJob: the StageFinished of every stage that ran."""

    results: list[StageFinished]


@dataclass
class RunHistory:
    """The first event of a resumed TrainJob: the training events the run logged before (every
    stage's, in order), so a viewer replays them and continues the curves instead of starting empty."""

    events: list[Event]


def run_history(run_dir: str | Path) -> list[Event]:
    """The logged events of a run folder, stage by stage (a staged run keeps one log per stage
    folder); empty where there is no run configuration to say which stages there are."""
    try:
        config = read_config(run_dir)
        return [event for stage in config.stages for event in MetricsLog(config.stage_dir(stage)).events()]
    except (FileProblem, OSError, UnicodeDecodeError):
        return []  # the history is a courtesy: resuming itself reports an unreadable folder


@dataclass
class EvalDone:
    """The last event of an EvalJob: `evaluate(...)`'s metrics for `model` on `data`/`split`."""

    model: str
    data: str
    split: str
    metrics: dict[str, Any]


def _stream(call: Callable[[Callable[[object], None]], Any], title: str, stop: Callable[[], None]) -> Iterator[object]:
    """Run `call(on_event)` on a helper thread; yield its events, then ("result", value).

    Abandoning the generator calls `stop()` (the cancel) before waiting for the thread."""
    events: queue.Queue = queue.Queue()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call(events.put)
        except BaseException as exc:  # handed to the consuming thread, which raises it
            outcome["error"] = exc
        finally:
            events.put(_END)

    thread = threading.Thread(target=target, name=f"fcn-studio {title}", daemon=True)
    thread.start()
    try:
        while (event := events.get()) is not _END:
            yield event
    finally:
        if thread.is_alive():
            stop()
        thread.join()
    if "error" in outcome:
        raise outcome["error"]
    yield ("result", outcome.get("value"))


class TrainJob(Job):
    """`train(config)` or, given `run_dir`, `resume(run_dir)`; yields every training event and
    finally TrainDone. Problems before the first step (bad dataset, occupied run folder) raise
    JobError naming the file; a NaN stops the stage with status "failed" and its message. A resume
    starts with RunHistory."""

    title = "train"

    def __init__(self, config: TrainConfig | None = None, run_dir: str | Path | None = None):
        super().__init__()
        if (config is None) == (run_dir is None):
            raise ValueError("give a TrainConfig to start a run or a run folder to resume, not both")
        self.config, self.run_dir = config, Path(run_dir) if run_dir is not None else None
        self.results: list[StageFinished] = []

    def run(self) -> Iterator[object]:
        def call(on_event):
            if self.run_dir is not None:
                return resume(self.run_dir, on_event, self)
            return train(self.config, on_event, self)

        if self.run_dir is not None:
            yield RunHistory(run_history(self.run_dir))
        try:
            for event in _stream(call, self.title, self.cancel):
                if isinstance(event, tuple) and event[0] == "result":
                    self.results = list(event[1] or [])
                else:
                    yield event
        except (FileProblem, FileNotFoundError, ValueError) as exc:
            raise JobError(str(exc)) from None
        yield TrainDone(self.results)


class EvalJob(Job):
    """Open `data`/`split` and the model file, `evaluate` them; yields EvalProgress, then EvalDone."""

    title = "evaluate"

    def __init__(self, model_path: str | Path, data: str | Path, split: str = "val", device: str = "cpu", band: int = 4):
        super().__init__()
        self.model_path, self.data, self.split = Path(model_path), Path(data), split
        self.device, self.band = device, band

    def run(self) -> Iterator[object]:
        def call(on_event):
            dataset = open_dataset(self.data, self.split)
            device = resolve_device(self.device)
            model = load_model(self.model_path, device)
            if model.num_classes != dataset.num_classes:
                raise JobError(f"{self.model_path.name} has {model.num_classes} classes but {self.data} has "
                               f"{dataset.num_classes} ({', '.join(dataset.class_names)})")
            return evaluate(model, dataset, device, self.band, on_event=on_event, cancel=self)

        try:
            for event in _stream(call, self.title, self.cancel):
                if isinstance(event, tuple) and event[0] == "result":
                    yield EvalDone(str(self.model_path), str(self.data), self.split, event[1])
                else:
                    yield event
        except Cancelled:
            return
        except (FileProblem, FileNotFoundError, ValueError, RuntimeError) as exc:
            raise JobError(str(exc)) from None


@dataclass
class DatasetCheck:
    """What the training form shows under the dataset folder field."""

    folder: str
    layout: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    class_names: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.layout is not None and not self.problems and self.counts.get("train", 0) > 0

    def summary(self) -> str:
        if not self.folder:
            return "choose a dataset folder"
        lines = []
        if self.layout:
            counts = ", ".join(f"{split} {n}" for split, n in self.counts.items())
            lines.append(f"{self.layout} layout: {counts or 'no splits'} images")
        if self.class_names:
            lines.append(f"{len(self.class_names)} classes: {', '.join(self.class_names)}")
        lines += [f"problem: {p}" for p in self.problems]
        return "\n".join(lines)


def check_dataset(folder: str | Path, splits: tuple[str, ...] = ("train", "val"), items: int = CHECK_ITEMS) -> DatasetCheck:
    """Validate a dataset folder for the form: layout, images per split, classes, first problems.

    Opening a split checks that every listed file exists; the first `items` pairs of each split
    are decoded too, so a mask with foreign values shows up before training starts.
    """
    check = DatasetCheck(str(folder))
    if not str(folder).strip():
        return check
    root = Path(folder)
    if not root.is_dir():
        check.problems.append(f"{root}: no such folder")
        return check
    check.layout = detect_layout(root)
    for split in splits:
        try:
            dataset = open_dataset(root, split)
        except (FileProblem, OSError) as exc:
            if split == "train" or check.layout is None:
                check.problems.append(str(exc))
            if check.layout is None:
                break
            continue
        check.counts[split] = len(dataset)
        check.class_names = check.class_names or list(dataset.class_names)
        if len(dataset) == 0:
            check.problems.append(f"{root}: split {split!r} has no images")
        for index in range(min(items, len(dataset))):
            try:
                dataset.load(index)
            except (FileProblem, OSError) as exc:
                check.problems.append(str(exc))
                break
    return check


class CheckDatasetJob(Job):
    """`check_dataset(folder)` as a job, so the form checks off the GUI thread: opening a split
    lists and stats every file, which on a network share or a large VOC tree takes seconds."""

    title = "check dataset"

    def __init__(self, folder: str | Path):
        super().__init__()
        self.folder = str(folder)

    def run(self) -> Iterator[DatasetCheck]:
        if not self.cancelled:  # a newer path was typed while this one waited its turn
            yield check_dataset(self.folder)
