"""The paper's §4 training experiments on synthetic scenes, each a table of arms differing in one choice.

    sampling  loss sampling (patchwise training) against whole images, at equal updates and at equal images
    balance   median-frequency class balancing on and off
    fixed     FCN-32s-fixed (only the score layer learns) against all layers fine-tuned
    atonce    FCN-8s staged (32s → 16s → 8s) against FCN-8s at once, at equal total updates

Every arm fine-tunes the same init on the same scenes with the same seed, for a budget counted in
updates of `Settings.updates`. As the paper starts from an ImageNet classifier, the default init is
a trained trunk: the shipped FCN-32s with its score layer set back to zero (the paper's init for a
new score layer). Arms that coincide — whole images, unbalanced, all layers, 32s — are one run, so
the baseline is trained once for three tables. A finished arm is kept (OUT/arms/KEY/arm.json); an
interrupted one is trained again from its start, since its wall-clock time must be whole.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Callable

import torch

from ..errors import RecipeError, TrainingStopped
from ..data.detect import open_dataset
from ..engine.weights import load_model, save_model
from ..files import write_text
from ..paths import models_dir
from .events import CancelToken, EventHandler, Evaluated, StepDone, ignore
from .scores import headline
from .experiment_plan import ARMS, EXPERIMENTS, SCRATCH, Arm, Experiment, Settings
from .release import write_scenes
from .run_folder import BEST, CONFIG, TrainConfig
from .stages import train

log = logging.getLogger(__name__)

ARM_RESULT = "arm.json"


def arms_for(names: list[str]) -> list[Arm]:
    """The arms the experiments need, each once, every arm after the one it starts from."""
    needed: list[str] = []

    def add(key: str) -> None:
        arm = ARMS[key]
        if arm.after:
            add(arm.after)
        if key not in needed:
            needed.append(key)

    for name in names:
        for row in EXPERIMENTS[name].rows:
            for key in (*row.chain, row.arm):
                add(key)
    return [ARMS[key] for key in needed]


def prepare_init(settings: Settings, out: Path) -> tuple[str, str]:
    """The trunk every arm starts from, as OUT/init.safetensors with its score layers zeroed, and
    its backbone (VGG16 from scratch)."""
    if settings.init == SCRATCH:
        return "", "vgg16"
    source = Path(settings.init) if settings.init else models_dir() / "fcn32s.safetensors"
    model = load_model(source)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith("score_"):
                param.zero_()
    info = replace(model.info, notes={**model.info.notes, "experiment_init": str(source)})
    return str(save_model(model, out / "init.safetensors", info)), model.backbone


def arm_config(arm: Arm, settings: Settings, data: Path, out: Path, init: str, backbone: str = "vgg16") -> TrainConfig:
    recipe = settings.recipe
    updates = round(settings.updates * arm.budgets)
    recipe = recipe.with_overrides(
        name=arm.key, iterations=updates, eval_every=settings.updates // 4, checkpoint_every=updates,
        images_per_update=recipe.images_per_update * arm.images_factor, **arm.changes)
    start = str(out / "arms" / arm.after / BEST) if arm.after else init
    return TrainConfig(data=str(data), out=str(out / "arms" / arm.key), recipe=recipe, stage=arm.stage,
                       width=settings.width, init=start, backbone=backbone, seed=settings.seed,
                       precision=settings.precision, family="experiments", band=settings.band)


def run_arm(config: TrainConfig, stamp: dict[str, Any], on_event: EventHandler = ignore,
            cancel: CancelToken | None = None) -> dict[str, Any]:
    """Train one arm from its start and return what the tables read: per evaluation, the update,
    the images seen, the training seconds so far (updates only) and the headline metrics.

    A finished arm made with the same `stamp` (the settings and the arm) is read back instead."""
    folder = Path(config.out)
    done = folder / ARM_RESULT
    if done.is_file():
        result = json.loads(done.read_text(encoding="utf-8"))
        if result.get("stamp") == stamp:
            return result
    if (folder / CONFIG).is_file():
        log.info("%s is unfinished or from other settings: training it again from its start", folder)
        shutil.rmtree(folder)
    seconds, losses, evals = 0.0, [], []

    def watch(event: Any) -> None:
        nonlocal seconds
        if isinstance(event, StepDone):
            seconds += event.update_s
            losses.append(event.loss)
        elif isinstance(event, Evaluated):
            window = losses[-max(1, config.recipe.eval_every // 2):]  # the last eighth of a budget
            evals.append({"updates": event.iteration, "images": event.iteration * config.recipe.images_per_update,
                          "seconds": seconds, "loss": sum(window) / len(window), **headline(event.metrics)})
        on_event(event)

    finished = train(config, watch, cancel)
    if not finished or finished[-1].status != "done":
        raise TrainingStopped(folder.name, f"training stopped ({finished[-1].message if finished else 'no stage ran'}); "
                          "run the same command again to train this arm anew")
    result = {"arm": folder.name, "stage": config.stage, "evals": evals, "stamp": stamp}
    write_text(folder / ARM_RESULT, json.dumps(result, indent=1) + "\n", "arm result")
    return result


def run_experiments(names: list[str], out: str | Path, settings: Settings = Settings(),
                    on_event: EventHandler = ignore, cancel: CancelToken | None = None,
                    on_arm: Callable[[str], None] = lambda key: None) -> dict[str, str]:
    """Train the arms `names` need and write OUT/NAME.md (and .json) per experiment; return the tables."""
    unknown = sorted(set(names) - set(EXPERIMENTS))
    if unknown:
        raise RecipeError(None, f"unknown experiment(s) {', '.join(unknown)}; choose from {', '.join(EXPERIMENTS)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = write_scenes(settings.data, out / "data")
    n_train, n_val = len(open_dataset(data, "train")), len(open_dataset(data, "val"))
    if n_val == 0:
        raise RecipeError(data, "the experiments need validation scenes (val_fraction > 0)")
    init, backbone = prepare_init(settings, out)
    arms = arms_for(names)
    configs = [arm_config(arm, settings, data, out, init, backbone) for arm in arms]  # every arm checked first
    results = {}
    for arm, config in zip(arms, configs):
        on_arm(arm.key)
        stamp = json.loads(json.dumps({"settings": asdict(settings), "arm": asdict(arm)}))
        results[arm.key] = run_arm(config, stamp, on_event, cancel)
    tables = {}
    for name in names:
        rows = table_rows(EXPERIMENTS[name], results)
        tables[name] = experiment_table(EXPERIMENTS[name], rows, caption(settings, n_train, n_val))
        write_text(out / f"{name}.json", json.dumps(rows, indent=1) + "\n", "experiment rows")
        write_text(out / f"{name}.md", tables[name] + "\n", "experiment table")
    return tables


def table_rows(experiment: Experiment, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's numbers: the arm's evaluation at `at` of its updates, plus the time and images of its chain."""
    rows = []
    for row in experiment.rows:
        evals = results[row.arm]["evals"]
        wanted = round(evals[-1]["updates"] * row.at)
        point = next((e for e in evals if e["updates"] == wanted), None)
        if point is None:
            raise RecipeError(None, f"{row.arm} has no evaluation at update {wanted} (it has {[e['updates'] for e in evals]})")
        earlier = [results[key]["evals"][-1] for key in row.chain]
        rows.append({**point, "label": row.label, "arm": row.arm,
                     "updates": point["updates"] + sum(e["updates"] for e in earlier),
                     "images": point["images"] + sum(e["images"] for e in earlier),
                     "seconds": point["seconds"] + sum(e["seconds"] for e in earlier)})
    return rows


def caption(settings: Settings, n_train: int, n_val: int) -> str:
    init = {"": "the shipped FCN-32s trunk (score layer zeroed)", SCRATCH: "random weights"}.get(
        settings.init, f"the trunk of {settings.init} (score layer zeroed)")
    return (f"From {init}; {n_train} training scenes of {settings.data.size} px (seed {settings.data.seed}), "
            f"scored on {n_val} held-out ones; one budget = {settings.updates} updates of "
            f"{settings.recipe.images_per_update} images; loss = mean training "
            f"loss over the last {max(1, settings.updates // 8)} updates before the evaluation.")


def experiment_table(experiment: Experiment, rows: list[dict[str, Any]], note: str) -> str:
    """Markdown: the paper's statement, then one line per row (metrics in percent), then `note`."""
    seconds = ["training s"] if experiment.timed else []
    header = ["arm", "updates", "images", *seconds, "loss", "pixel acc.", "mean acc.", "mean IU", "f.w. IU", "boundary IU"]
    lines = [f"### {experiment.title}", "", f"> {experiment.paper}", "",
             "| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for r in rows:
        cells = [r["label"], str(r["updates"]), str(r["images"]), *([f"{r['seconds']:.0f}"] if experiment.timed else []),
                 f"{r['loss']:.3f}", *(f"{100 * r[k]:.1f}" if r[k] is not None else "–"
                                        for k in ("pixel_acc", "mean_acc", "mean_iu", "fwiu", "boundary_iu"))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", note + (" Training s: the updates' own time, evaluations excluded." if experiment.timed else "")]
    return "\n".join(lines)
