"""Runs the benchmark suite and prints it as one table of ratios."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

import torch

from fcn_studio.data.dataset import SegmentationDataset
from fcn_studio.data.synthetic.own_scenes import own_scenes
from fcn_studio.data.detect import open_dataset
from fcn_studio.engine import FCN, build_model, open_model
from fcn_studio.engine.backends.cpu import cpu_description
from .backends import backend_rows, load_latency_rows, padding_rows, shipped_backend_sections
from .gpu import gpu_sections
from .training import training_rows
from .inference import Row, trained_agreement_rows, dense_vs_patch_rows, heads_rows, precision_rows, tiling_row, with_random_scores
from .upsampling import shipped_model, shipped_stitch_model, stitch_accuracy_rows, stitch_rows, synthetic_val

STITCH_SECTION = "shift-and-stitch vs learned upsampling (CVPR §3.2)"


AGREEMENT_MODEL = "fcn8s.safetensors"
BACKEND_MODELS = ("fcn32s.safetensors", "fcn16s.safetensors", "fcn8s.safetensors")


@dataclass
class BenchConfig:
    width: float = 1.0
    size: int = 500
    repeat: int = 3
    device: str = "cpu"
    tiling: bool = True
    photo: tuple[int, int] = (3000, 4000)
    model: str | None = None
    training: tuple[tuple[float, int, int], ...] = ((0.25, 128, 8), (1.0, 256, 1))  # (width, size, batch)
    stitch_factors: tuple[int, ...] = (2, 4)
    # Accuracy of stitching: a 32s model file (else `model` if it is one, else the shipped fcn32s),
    # scored on `stitch_data`'s val split or on `stitch_images` held-out synthetic scenes.
    stitch_model: str | None = None
    stitch_data: str | None = None
    stitch_images: int = 20
    stitch_size: int = 128
    accuracy_factors: tuple[int, ...] = (2, 4, 8)
    # Issue #19: runtimes on the shipped models at their training size, and under load.
    backend_size: int = 192
    busy: int = 0  # processes kept busy for the latency-under-load rows (0: one per core)

    @classmethod
    def quick(cls) -> "BenchConfig":
        """Seconds instead of minutes: compact width, small images (a smoke run, not figures)."""
        return cls(width=0.125, size=96, repeat=1, tiling=True, photo=(700, 900), training=((0.0625, 64, 2),),
                   stitch_factors=(2, 4, 8), stitch_images=4, stitch_size=64, accuracy_factors=(2, 4), backend_size=64)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return f"{cpu}, {cpu_description()}, {torch.get_num_threads()} threads, torch {torch.__version__}{gpu}"


def run_suite(cfg: BenchConfig) -> dict[str, list[Row] | dict]:
    torch.manual_seed(0)
    model = open_model(cfg.model) if cfg.model else with_random_scores(build_model("fcn8s", width=cfg.width))
    rows, stats = precision_rows(model, cfg.size, cfg.repeat, cfg.device)
    sections: dict[str, list[Row] | dict] = {
        f"{model.arch} width {model.width:g}, 1×3×{cfg.size}×{cfg.size}, {cfg.device}": rows,
        "roofline": stats,
        "dense vs patchwise (CVPR §3.1)": dense_vs_patch_rows(cfg.width, cfg.size, cfg.repeat),
        "heads": heads_rows(cfg.width, cfg.size, cfg.repeat),
        STITCH_SECTION: stitch_rows("fcn32s", cfg.width, cfg.size, cfg.repeat, cfg.stitch_factors),
    }
    sections.update(upsampling_sections(cfg, required=False))
    sections.update(agreement_sections(cfg))
    sections.update(backend_sections(cfg, model))
    sections["training throughput"] = [row for w, s, b in cfg.training
                                       for row in training_rows(w, s, b, cfg.repeat, cfg.device)]
    if cfg.tiling:
        sections["large image (tiled)"] = [tiling_row(cfg.width, *cfg.photo, p) for p in ("fp32", "bf16")]
    return sections


def stitch_subject(cfg: BenchConfig) -> FCN | None:
    """The trained 32s net whose upsampling the accuracy comparison swaps (None: there is none)."""
    if cfg.stitch_model:
        return open_model(cfg.stitch_model)
    if cfg.model:
        model = open_model(cfg.model)
        if model.stride == 32:
            return model
    shipped = shipped_stitch_model()
    return open_model(shipped) if shipped is not None else None


def upsampling_sections(cfg: BenchConfig, required: bool = True) -> dict[str, list[Row]]:
    """Mean IU and time per image of learned upsampling vs shift-and-stitch on trained weights.

    Without a model: a ValueError if `required`, else no section (random weights have no accuracy).
    """
    model = stitch_subject(cfg)
    if model is None:
        if required:
            raise ValueError("no FCN-32s to compare: none shipped as models/fcn32s.safetensors; pass a model file")
        return {}
    data: SegmentationDataset = (open_dataset(cfg.stitch_data, "val") if cfg.stitch_data
                                 else synthetic_val(cfg.stitch_images, cfg.stitch_size))
    where = cfg.stitch_data or f"{len(data)} held-out synthetic scenes of {cfg.stitch_size} px"
    title = f"{STITCH_SECTION}: mean IU and time per image, {model.arch} width {model.width:g}, {where}"
    return {title: stitch_accuracy_rows(model, data, cfg.accuracy_factors, cfg.device)}


def agreement_sections(cfg: BenchConfig) -> dict[str, list[Row]]:
    """bf16 (and on CUDA fp16) labels of the shipped trained FCN-8s against its fp32 labels."""
    path = shipped_model(AGREEMENT_MODEL)
    if path is None:
        return {}
    scenes = synthetic_val(cfg.stitch_images, cfg.stitch_size)
    images = [scenes.load(i)[0] for i in range(len(scenes))]
    title = f"reduced precision on trained weights: shipped {path.stem}, {len(images)} held-out scenes of {cfg.stitch_size} px"
    return {title: trained_agreement_rows(open_model(path), images, cfg.device)}


def backend_sections(cfg: BenchConfig, model: FCN | None = None) -> dict[str, list[Row]]:
    """Issues #19, #29: plain fp32, the default path and every candidate it measures, side by side;
    then on each shipped trained model (labels on held-out scenes, the default's pick); then under
    load; then the GPU, where there is one."""
    torch.manual_seed(0)
    if model is None:
        model = open_model(cfg.model) if cfg.model else with_random_scores(build_model("fcn8s", width=cfg.width))
    title = f"backends: {model.arch} width {model.width:g}, 1×3×{cfg.size}×{cfg.size}, {cpu_description()}"
    # A model of synthetic scenes (--model) has its own images: the default gates bf16 and int8 on them.
    sections: dict[str, list[Row]] = {title: backend_rows(model, cfg.size, cfg.repeat, own_scenes(model))}
    paths = [p for p in (shipped_model(name) for name in BACKEND_MODELS) if p is not None]
    sections.update(padding_sections(cfg, model, paths[-1] if paths else None))
    sections.update(shipped_backend_sections(paths, cfg.stitch_images, cfg.backend_size, cfg.repeat))
    subject = open_model(paths[-1]) if paths else with_random_scores(build_model("fcn8s", width=0.125))
    busy = cfg.busy or os.cpu_count() or 2
    sections[f"latency under load: {subject.arch} width {subject.width:g}, {cfg.backend_size}², {busy} busy processes"] = \
        load_latency_rows(subject, cfg.backend_size, cfg.repeat, busy)
    sections.update(gpu_sections(cfg.width, cfg.size, cfg.repeat))
    return sections


def padding_sections(cfg: BenchConfig, model: FCN, shipped: Path | None) -> dict[str, list[Row]]:
    """Trimmed padding's rows on the suite's model at `size` and on the shipped FCN-8s at its size."""
    subjects = [(model, cfg.size)] + ([(open_model(shipped), cfg.backend_size)] if shipped else [])
    return {f"trimmed padding: {'shipped ' if m is not model else ''}{m.arch} width {m.width:g}, {size}², {cpu_description()}":
            padding_rows(m, size, cfg.repeat, own_scenes(m)) for m, size in subjects}


def format_report(sections: dict[str, list[Row] | dict], header: str) -> str:
    lines = [f"fcn-studio bench — {header}", ""]
    for title, body in sections.items():
        lines.append(f"## {title}")
        if isinstance(body, dict):
            lines.append(
                f"{body['gflop']:.1f} GFLOP counted; plain fp32 reaches {body['fp32_tflops']:.2f} TFLOP/s "
                f"({100 * body['fp32_tflops'] / body['peak_fp32_tflops']:.0f} % of the measured fp32 matmul peak "
                f"{body['peak_fp32_tflops']:.2f}); the fastest path {body['best_tflops']:.2f} TFLOP/s "
                f"({100 * body['best_tflops'] / body['peak_bf16_tflops']:.0f} % of the bf16 peak {body['peak_bf16_tflops']:.2f})"
            )
        else:
            for row in body:
                lines.append(f"  {row.name:<48} {1000 * row.seconds:10.1f} ms  {row.ratio:6.2f}×  {row.note}")
        lines.append("")
    return "\n".join(lines)
