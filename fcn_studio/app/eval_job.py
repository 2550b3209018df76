"""Evaluation as an app job: Run ▸ Evaluate scores a model file on a dataset split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generator

from ..data.detect import open_dataset
from ..engine import load_model
from ..engine.devices import resolve_device
from ..errors import DatasetError
from ..training import Cancelled, evaluate
from .event_stream import stream
from .jobs import CancelToken, Job, Lane


@dataclass
class EvalDone:
    """What an EvalJob returns: `evaluate(...)`'s metrics for `model` on `data`/`split`."""

    model: str
    data: str
    split: str
    metrics: dict[str, Any]


class EvalJob(Job):
    """Open `data`/`split` and the model file, `evaluate` them; yields EvalProgress, returns EvalDone
    (None when cancelled)."""

    title = "evaluate"
    lane = Lane.EVAL

    def __init__(self, model_path: str | Path, data: str | Path, split: str = "val", device: str = "cpu", band: int = 4):
        self.model_path, self.data, self.split = Path(model_path), Path(data), split
        self.device, self.band = device, band

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, EvalDone | None]:
        cancel = cancel or CancelToken()

        def call(on_event):
            dataset = open_dataset(self.data, self.split)
            device = resolve_device(self.device)
            model = load_model(self.model_path, device)
            if model.num_classes != dataset.num_classes:
                raise DatasetError(self.data, f"has {dataset.num_classes} classes ({', '.join(dataset.class_names)}) "
                                   f"but {self.model_path.name} has {model.num_classes}")
            return evaluate(model, dataset, device, self.band, on_event=on_event, cancel=cancel)

        try:
            metrics = yield from stream(call, self.title, cancel.cancel)
        except Cancelled:
            return None
        return EvalDone(str(self.model_path), str(self.data), self.split, metrics)
