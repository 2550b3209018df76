"""Runtimes that execute an exported FCN: ONNX Runtime (a core dependency) and OpenVINO (extra).

Both take a float32 N×3×H×W array and return the named output maps as float32 arrays. Threads:
as many as PyTorch uses (`torch.get_num_threads()`, which the user may have set), and ONNX
Runtime's workers do not spin-wait between kernels: spinning wins a little on an idle machine and
loses badly when the cores are shared (segmenting while the app trains), see README "Performance".
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import torch

log = logging.getLogger(__name__)


def openvino_installed() -> bool:
    return find_spec("openvino") is not None


class OrtRunner:
    """An ONNX Runtime CPU session over one model file (fp32 or int8 QDQ)."""

    name = "onnxruntime"

    def __init__(self, path: str | Path, threads: int | None = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        options.log_severity_level = 3  # warnings about unused initialisers etc. are not the user's
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.outputs = [o.name for o in self.session.get_outputs()]

    def run(self, x: np.ndarray, names: list[str] | None = None) -> dict[str, np.ndarray]:
        names = names or self.outputs
        return dict(zip(names, self.session.run(names, {self.input: x})))


class OpenVinoRunner:
    """An OpenVINO CPU model compiled for dynamic H×W, in the precision asked for: fp32 unless told
    otherwise (OpenVINO would pick bf16 by itself on AMX CPUs: the fp32 path must stay fp32), or
    bf16 (`INFERENCE_PRECISION_HINT`), which the measured choice offers where bf16 is native.

    An input size met `STATIC_AFTER` times (a batch of one camera's photos, the tiles of a large
    image) gets a model compiled for that size alone: OpenVINO plans memory and kernels once for a
    static shape, 11 % faster for the shipped FCN-8s int8 at 192² on the AVX-512 CPU measured
    (5.1 against 5.7 ms), for a compile of 0.1–0.3 s that an image seen once never pays. Only the
    latest such size is kept: every compiled model holds its own copy of the weights."""

    name = "openvino"
    STATIC_AFTER = 3

    def __init__(self, path: str | Path, threads: int | None = None, precision: str = "fp32"):
        import openvino as ov

        hint = {"fp32": "f32", "bf16": "bf16"}[precision]
        self._config = {"INFERENCE_NUM_THREADS": threads or torch.get_num_threads(),
                        "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": hint}
        self._core, self._path = ov.Core(), str(path)
        self.model = self._core.compile_model(self._path, "CPU", self._config)
        self.outputs = [o.get_any_name() for o in self.model.outputs]
        self._request = self.model.create_infer_request()
        self._seen: Counter[tuple[int, ...]] = Counter()
        self._static: tuple[tuple[int, ...], Any] | None = None  # (shape, its infer request)
        self._lock = threading.Lock()  # one request object per model: calls from two threads take turns

    def _request_for(self, shape: tuple[int, ...]) -> Any:
        if self._static is not None and self._static[0] == shape:
            return self._static[1]
        self._seen[shape] += 1
        if self._seen[shape] < self.STATIC_AFTER:
            return self._request
        model = self._core.read_model(self._path)
        model.reshape({0: list(shape)})
        self._static = (shape, self._core.compile_model(model, "CPU", self._config).create_infer_request())
        self._seen.clear()
        log.debug("OpenVINO: compiled %s for input %s", Path(self._path).name, shape)
        return self._static[1]

    def run(self, x: np.ndarray, names: list[str] | None = None) -> dict[str, np.ndarray]:
        with self._lock:  # only the maps asked for are copied out of the request's buffers
            request = self._request_for(tuple(x.shape))
            request.infer({0: x})
            return {k: np.array(request.get_tensor(k).data) for k in (names or self.outputs)}


Runner = OrtRunner | OpenVinoRunner
RUNNERS: dict[str, type[OrtRunner] | type[OpenVinoRunner]] = {"onnxruntime": OrtRunner, "openvino": OpenVinoRunner}
