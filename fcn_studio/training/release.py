"""The shipped models as a recipe: data, the paper's staged order, held-out scores and export.

A release file (TOML, see recipes/shipped.toml) names the synthetic data (size, count, seed), a
held-out test set made with a seed the training never saw, the width and precision, and the
models in the order they are trained — each a stage, an optional `init` (an earlier model of the
same file) and recipe fields. `run_release` makes the data, trains every model (resuming any it
finds half done), scores each on the test set and writes it, fp16, with its metrics and the
recipe in the metadata, into the models folder. Nothing in it depends on wall-clock time, so the
same file on the same kind of machine gives the same models.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

import torch

from ..errors import RecipeError, TrainingStopped
from ..data.detect import open_dataset
from ..files import write_text
from ..data.synthetic import make_synthetic
from ..data.synthetic.samples import write_samples
from ..data.synthetic.scene_set import SceneSet
from ..engine.weights import load_model, save_model
from .evaluate import evaluate
from .scores import headline
from .events import CancelToken, EventHandler, ignore
from .recipes import PRESETS, Recipe, TOMLDecodeError, parse_toml
from .run_folder import BEST, CONFIG, TrainConfig, json_safe
from .stages import resume, train

log = logging.getLogger(__name__)

RESULTS_JSON = "results.json"
RESULTS_TABLE = "results.md"


@dataclass(frozen=True)
class ModelStep:
    """One shipped model: what to train (stage), from what (init: an earlier step's name) and how."""

    name: str
    stage: str
    recipe: Recipe
    init: str = ""
    family: str = ""


@dataclass(frozen=True)
class Release:
    train: SceneSet
    test: SceneSet
    steps: tuple[ModelStep, ...]
    samples: SceneSet | None = None
    width: float = 0.125
    precision: str = "fp32"
    family: str = "synthetic-scenes"
    seed: int = 0
    band: int = 4
    source: str = "release"


def load_release(path: str | Path) -> Release:
    """Read and check a release file; every error names the file and the field."""
    path = Path(path)
    try:
        data = parse_toml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TOMLDecodeError) as exc:
        raise RecipeError(path, f"cannot read release file ({exc})") from None
    try:
        train_set, test_set = SceneSet(**data["data"]), SceneSet(**data["test"])
        shared = dict(data.get("recipe", {}))
        base = PRESETS[shared.pop("preset", "paper")]
        steps = []
        for raw in data["models"]:
            raw = dict(raw)
            name, stage = raw.pop("name"), raw.pop("stage")
            init, family = raw.pop("init", ""), raw.pop("family", "")
            recipe = Recipe.from_dict({**base.to_dict(), **shared, **raw, "name": name}, f"{path} [{name}]")
            steps.append(ModelStep(name, stage, recipe, init, family))
        samples = SceneSet(**data["samples"]) if "samples" in data else None
        settings = data.get("train", {})
        release = Release(train_set, test_set, tuple(steps), samples, source=str(path), **settings)
    except KeyError as exc:
        raise RecipeError(path, f"missing {exc}") from None
    except TypeError as exc:
        raise RecipeError(path, str(exc)) from None
    names = [s.name for s in release.steps]
    for i, step in enumerate(release.steps):
        if step.init and step.init not in names[:i]:
            raise RecipeError(path, f"model {step.name!r} starts from {step.init!r}, which is not an earlier model")
    for name, held_out in (("test", release.test), ("samples", release.samples)):
        if held_out is not None and held_out.seed == release.train.seed:
            raise RecipeError(path, f"the {name} scenes must use a seed the training data does not ({held_out.seed})")
    return release


def write_scenes(scene_set: SceneSet, folder: Path) -> Path:
    """Write the set once; a folder already made from the same numbers is reused as it is."""
    stamp = folder / "classes.json"
    if stamp.is_file():
        made = json.loads(stamp.read_text(encoding="utf-8")).get("generator", {})
        if (made.get("n"), made.get("size"), made.get("seed")) == (scene_set.n, scene_set.size, scene_set.seed):
            return folder
    log.info("writing %d synthetic scenes of %d px (seed %d) to %s", scene_set.n, scene_set.size, scene_set.seed, folder)
    return make_synthetic(folder, scene_set.n, scene_set.size, scene_set.seed, scene_set.val_fraction, overwrite=True)


def step_config(release: Release, step: ModelStep, data: Path, out: Path) -> TrainConfig:
    init = str(out / "runs" / step.init / BEST) if step.init else ""
    return TrainConfig(data=str(data), out=str(out / "runs" / step.name), recipe=step.recipe, stage=step.stage,
                       width=release.width, init=init, seed=release.seed, precision=release.precision,
                       family=step.family or release.family, band=release.band)


def run_release(release: Release, out: str | Path, models: str | Path | None, on_event: EventHandler = ignore,
                cancel: CancelToken | None = None, on_step: Callable[[str], None] = lambda name: None) -> list[dict]:
    """Make the data, train each model in order, score it on the test set, export it to `models`.

    Returns one row per model (name, stage, test metrics); writes OUT/results.json and results.md.
    """
    out = Path(out)
    data = write_scenes(release.train, out / "data")
    test = open_dataset(write_scenes(release.test, out / "test"), "trainval")
    rows = []
    for step in release.steps:
        on_step(step.name)
        config = step_config(release, step, data, out)
        finished = resume(config.out, on_event, cancel) if (Path(config.out) / CONFIG).is_file() \
            else train(config, on_event, cancel)
        if not finished or finished[-1].status != "done":
            raise TrainingStopped(step.name, f"training stopped ({finished[-1].message if finished else 'no stage ran'}); "
                              f"run the same command again to resume")
        model = load_model(Path(config.out) / BEST)
        metrics = evaluate(model, test, band=release.band)
        rows.append({"name": step.name, "stage": step.stage, "fixed": step.recipe.fixed, "metrics": json_safe(metrics)})
        if models is not None:
            export(model, Path(models) / f"{step.name}.safetensors", release, step, metrics)
    if release.samples is not None and models is not None:
        samples = release.samples
        write_samples(Path(models).parent / "resources" / "samples", samples.n, samples.size, samples.seed)
    write_text(out / RESULTS_JSON, json.dumps(rows, indent=1) + "\n", "results")
    write_text(out / RESULTS_TABLE, results_table(rows, release) + "\n", "results table")
    return rows


def export(model: torch.nn.Module, path: Path, release: Release, step: ModelStep, metrics: dict[str, Any]) -> Path:
    """fp16 storage halves the file; loading copies into float32 parameters, so nothing else changes."""
    info = replace(model.info, metrics=json_safe({"test": headline(metrics)}), notes={
        **model.info.notes, "release": Path(release.source).name,
        "data": {"train": asdict(release.train), "test": asdict(release.test)}, "data_seed": release.train.seed})
    return save_model(model, path, info, dtype=torch.float16)


def results_table(rows: list[dict], release: Release) -> str:
    """A Markdown table like the paper's Table 2, in percent."""
    lines = ["| model | pixel acc. | mean acc. | mean IU | f.w. IU | boundary IU | interior IU |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        h = headline(row["metrics"])
        cells = " | ".join(f"{100 * v:.1f}" if v is not None else "–" for v in h.values())
        lines.append(f"| {row['name']} | {cells} |")
    lines.append("")
    lines.append(f"{release.test.n} held-out scenes of {release.test.size} px, seed {release.test.seed}; "
                 f"boundary IU within {release.band} px of a true edge.")
    return "\n".join(lines)
