"""Inference backends behind `Segmenter`: PyTorch itself, or an exported model in a runtime.

`auto` is chosen per CPU class (cpu.py); a runtime model is exported once per weights and cached
on disk (cache.py, export.py) with its wide 3×3 convolutions in Winograd form (winograd.py), run
by ONNX Runtime or OpenVINO (runners.py), and, where the model's own images exist, quantized to int8 behind an agreement gate (int8.py, calibration.py).
`Runtime.path` says in words which path was taken, for logs, the CLI and the app.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..backend_choices import BACKENDS
from .cache import entry, weights_key
from .calibration import Calibration, CalibrationSource, resolve_calibration
from .choice import fastest
from .cpu import auto_backend, cpu_class
from .export import INPUT_NAME, OPSET, ExportError, export_onnx
from .int8 import Verdict, gated_int8
from .isolated import export_isolated
from .runners import RUNNERS, Runner, openvino_installed
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


@dataclass
class Runtime:
    """An exported model in a runtime; `maps` has `Segmenter._maps`' contract."""

    runner: Runner
    path: str
    verdict: Verdict | None = None

    def maps(self, x: torch.Tensor, intermediates: bool) -> dict[str, torch.Tensor]:
        arr = np.ascontiguousarray(x.detach().to("cpu", torch.float32).numpy())
        out = self.runner.run(arr, None if intermediates else ["logits"])
        # The graph puts logits first (export.graph_order); callers read the forward's order, logits last.
        return {k: torch.from_numpy(v) for k, v in sorted(out.items(), key=lambda item: item[0] == "logits")}


def cached_export(model: torch.nn.Module) -> Path:
    """The runtimes' ONNX file of `model` in the cache (the export with its wide convolutions in
    Winograd form), made now (in a child process: `isolated`) if it is not there yet."""
    onnx_path = entry(weights_key(model, OPSET), ".onnx")
    if onnx_path.is_file():
        log.info("using the cached export %s", onnx_path)
    else:
        log.info("exporting %s (once per model; cached in %s)", getattr(model, "arch", "model"), onnx_path.parent)
        export_isolated(model, onnx_path, winograd=True)
    return onnx_path


def build_runtime(model: torch.nn.Module, backend: str, int8: bool = True,
                  calibration: CalibrationSource | None = None, compare: bool = False) -> Runtime:
    """Export (or reuse the cached export of) `model`, open it in `backend`; with `compare` (auto)
    and OpenVINO, in whichever of OpenVINO and ONNX Runtime is measured faster; with `int8`, also
    try the gated int8 model on `calibration`'s images (none: no int8), with `compare` in both
    runtimes. Raises ExportError."""
    onnx_path = cached_export(model)
    rewritten = describe(winograd_layers(model))
    graph = f", {rewritten}" if rewritten else ""
    if compare and backend == "openvino":
        runner, note = fastest(onnx_path, ["onnxruntime", "openvino"])
        fp32 = Runtime(runner, f"{runner.name} fp32{graph} ({note})")
    else:
        runner = RUNNERS[backend](onnx_path)
        fp32 = Runtime(runner, f"{backend} fp32{graph}")
    data = resolve_calibration(calibration, model) if int8 else None
    if data is None:
        return fp32
    # With both runtimes (auto and OpenVINO installed), int8 runs in whichever passes its gate faster.
    names = ("onnxruntime", "openvino") if compare and backend == "openvino" else ("onnxruntime",)
    gates = gated_int8(onnx_path, lambda a: runner.run(a, ["logits"])["logits"], data.images, data.held_out,
                       data.source, INPUT_NAME, names)
    passed = [(name, quantized, verdict) for name, quantized, verdict in gates if quantized is not None]
    if not passed:
        first = gates[0][2]
        fp32.path, fp32.verdict = f"{fp32.path}; {first.describe()}", first
        return fp32
    name, quantized, verdict = min(passed, key=lambda gate: gate[2].int8_seconds)
    return Runtime(quantized, f"{name} {verdict.describe()}", verdict)


__all__ = ["BACKENDS", "BACKEND_ENV", "Calibration", "CalibrationSource", "ExportError", "Runtime", "build_runtime", "cached_export",
           "export_onnx", "resolve_backend"]
