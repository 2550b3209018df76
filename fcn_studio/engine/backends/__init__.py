"""Inference backends behind `Segmenter`: PyTorch itself, or an exported model in a runtime.

`auto` with `precision="auto"` on a CPU runs the fastest correct path measured on this CPU for
this model (measured.py, among candidates.py's; the CPU class's rule in cpu.py is only the first
guess while it is measured). A runtime model is exported once per weights and cached on disk
(cache.py, export.py) with its wide 3×3 convolutions in Winograd form (winograd.py), run by ONNX
Runtime or OpenVINO (runners.py), and, where the model's own images exist, quantized to int8
behind an agreement gate (int8.py, calibration.py). `Runtime.path` says in words which path was
taken and why, for logs, the CLI and the app.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..backend_choices import BACKENDS
from .. import devices
from .cache import entry, tensors_digest, weights_key
from .calibration import Calibration, CalibrationSource, resolve_calibration
from .candidates import candidates
from .cpu import auto_backend, cpu_class
from .export import INPUT_NAME, OPSET, ExportError, export_onnx
from .int8 import Verdict, gated_int8
from .isolated import export_isolated
from .measured import choose, machine_tag
from .runners import RUNNERS, Runner, openvino_installed
from .torch_path import TorchRunner
from .winograd import describe, winograd_layers

log = logging.getLogger(__name__)

# Overrides `auto` (tests pin it to torch so bit-exact comparisons stay machine-independent).
BACKEND_ENV = "FCN_STUDIO_BACKEND"


def resolve_backend(backend: str, device: torch.device) -> str:
    """auto → the CPU class's default (or $FCN_STUDIO_BACKEND); names are checked either way."""
    if backend == "auto":
        backend = os.environ.get(BACKEND_ENV) or auto_backend(device.type, cpu_class(), openvino_installed())
    if backend not in BACKENDS[1:]:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend != "torch" and device.type != "cpu":
        raise ValueError(f"the {backend} backend runs on the CPU; use --backend torch on {device}")
    if backend == "openvino" and not openvino_installed():
        raise ValueError("the openvino backend needs OpenVINO: pip install 'fcn-studio[openvino]'")
    return backend


def measures(backend: str, precision: str, device: torch.device, stitch_factor: int) -> bool:
    """Whether `auto` is decided by measurement: both choices left to the program, on a CPU, for
    the plain upsampling, and not pinned by $FCN_STUDIO_BACKEND."""
    return (backend == "auto" and precision == "auto" and device.type == "cpu" and not stitch_factor
            and not os.environ.get(BACKEND_ENV))


@dataclass
class Runtime:
    """A path that is not the Segmenter's own PyTorch net; `maps` has `Segmenter._maps`' contract."""

    runner: Runner | TorchRunner
    path: str
    verdict: Verdict | None = None

    def maps(self, x: torch.Tensor, intermediates: bool) -> dict[str, torch.Tensor]:
        if isinstance(self.runner, TorchRunner):
            return self.runner.maps(x, intermediates)
        arr = np.ascontiguousarray(x.detach().to("cpu", torch.float32).numpy())
        out = self.runner.run(arr, None if intermediates else ["logits"])
        # The graph puts logits first (export.graph_order); callers read the forward's order, logits last.
        return {k: torch.from_numpy(v) for k, v in sorted(out.items(), key=lambda item: item[0] == "logits")}


def cached_export(model: torch.nn.Module, winograd: bool = True, tensors: str | None = None) -> Path:
    """The runtimes' ONNX file of `model` in the cache, made now (in a child process: `isolated`)
    if it is not there yet: with `winograd` the fp32 runtimes' graph, its wide convolutions in
    Winograd form; without, the plain graph that int8 and bf16 are made from. Winograd's gain is
    fewer fp32 multiplications; its transformed tiles stay float in int8 (a per-tensor uint8 scale
    cannot hold them) and lose bf16's precision, so from the Winograd graph a full-width FCN-8s at
    500² ran int8 in 855 ms and bf16 in 828, from the plain one in 437 and 697 (OpenVINO, AVX-512
    VNNI/BF16 CPU). A model without wide convolutions has one graph for both. `tensors`: the
    model's `tensors_digest`, where the caller has it already."""
    onnx_path = entry(weights_key(model, OPSET, winograd, tensors), ".onnx")
    if onnx_path.is_file():
        log.info("using the cached export %s", onnx_path)
    else:
        log.info("exporting %s (once per model; cached in %s)", getattr(model, "arch", "model"), onnx_path.parent)
        export_isolated(model, onnx_path, winograd=winograd)
    return onnx_path


def build_runtime(model: torch.nn.Module, backend: str, int8: bool = True,
                  calibration: CalibrationSource | None = None) -> Runtime:
    """Export (or reuse the cached export of) `model`, open it in `backend`; with `int8`, also try
    the gated int8 model on `calibration`'s images (none: no int8). Raises ExportError."""
    tensors = tensors_digest(model)
    onnx_path = cached_export(model, tensors=tensors)
    rewritten = describe(winograd_layers(model))
    runner = RUNNERS[backend](onnx_path)
    fp32 = Runtime(runner, f"{backend} fp32" + (f", {rewritten}" if rewritten else ""))
    data = resolve_calibration(calibration, model) if int8 else None
    if data is None:
        return fp32
    [(name, quantized, verdict)] = gated_int8(cached_export(model, winograd=False, tensors=tensors),
                                              lambda a: runner.run(a, ["logits"])["logits"], data.images,
                                              data.held_out, data.source, INPUT_NAME, (backend,))
    if quantized is None:
        fp32.path, fp32.verdict = f"{fp32.path}; {verdict.describe()}", verdict
        return fp32
    return Runtime(quantized, f"{name} {verdict.describe()}", verdict)


def measured_runtime(model: torch.nn.Module, calibration: CalibrationSource | None = None) -> Runtime:
    """The fastest correct path for `model` on this CPU (measured.py): the stored verdict, or
    measured now. Slow the first time (exports, quantizes, times): the app calls it in the background."""
    data = resolve_calibration(calibration, model)
    tensors = tensors_digest(model)  # once: each graph's key and the verdict's need it
    options = candidates(model, data, devices.cpu_has_native_bf16(), openvino_installed(),
                         lambda winograd: cached_export(model, winograd, tensors))
    key = weights_key(model, OPSET, tensors=tensors)
    tag = machine_tag(key, data.source if data else None, [c.name for c in options])
    choice = choose(options, data.held_out if data else None, entry(key, ".paths.json"), tag)
    return Runtime(choice.runner, f"{choice.name} ({choice.note})")


__all__ = ["BACKENDS", "BACKEND_ENV", "Calibration", "CalibrationSource", "ExportError", "Runtime", "build_runtime",
           "cached_export", "export_onnx", "measured_runtime", "measures", "resolve_backend"]
