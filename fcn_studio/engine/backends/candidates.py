"""The paths `auto` measures for a model on this CPU (measured.py decides among them).

Only what can be fast and correct here is offered: bf16 only where the CPU has it natively
(emulated bf16 is slower than fp32), OpenVINO only with its extra, int8 only for a model with its
own images to calibrate and gate it. The first candidate is PyTorch's plain fp32 forward, the
reference every reduced precision's labels are compared with.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import torch

from .calibration import Calibration
from .export import INPUT_NAME
from .int8 import int8_model
from .measured import Candidate
from .runners import OpenVinoRunner, OrtRunner
from .torch_path import TorchRunner


def candidates(model: torch.nn.Module, calibration: Calibration | None, native_bf16: bool, openvino: bool,
               export: Callable[[bool], Path]) -> list[Candidate]:
    """Every path to measure, each built only when asked: `export(True)` gives the fp32 runtimes'
    graph, `export(False)` the one bf16 and int8 are made from (`cached_export` says why they
    differ for a full-width net), each asked for once, on first need."""

    data = calibration
    onnx, reduced = cache(lambda: export(True)), cache(lambda: export(False))

    @cache
    def quantized() -> Path:  # offered only where `data` is not None
        return int8_model(reduced(), data.images, data.source, INPUT_NAME)  # type: ignore[union-attr]

    out = [Candidate("torch fp32", True, lambda: TorchRunner(model, "fp32"))]
    if native_bf16:
        out.append(Candidate("torch bf16", False, lambda: TorchRunner(model, "bf16")))
    out.append(Candidate("onnxruntime fp32", True, lambda: OrtRunner(onnx())))
    if calibration is not None:
        out.append(Candidate("onnxruntime int8", False, lambda: OrtRunner(quantized())))
    if openvino:
        out.append(Candidate("openvino fp32", True, lambda: OpenVinoRunner(onnx())))
        if native_bf16:
            out.append(Candidate("openvino bf16", False, lambda: OpenVinoRunner(reduced(), precision="bf16")))
        if calibration is not None:
            out.append(Candidate("openvino int8", False, lambda: OpenVinoRunner(quantized())))
    return out
