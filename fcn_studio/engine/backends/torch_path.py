"""PyTorch itself as one of the measured paths: the same `run`/`maps` contract as a runtime.

fp32 is the plain forward, bit for bit. Reduced precision (bf16, fp16) is not exact anyway, so it
runs the faster graph the runtimes run too: the trimmed-padding trunk (engine/padding.py) and the
upsamplings that keep classes apart as per-phase convolutions (`bilinear.per_class`). The second
is what made the shipped FCN-16s slow in bf16 on the AVX-512 BF16 CPU measured: PyTorch runs bf16
transposed convolutions outside oneDNN (aten's own fallback, `aten::_convolution` in a profile),
and with 2 threads its final 32×32, stride-16 one took 15 of the net's 20 ms at 192² (FCN-8s's
three, 16×16 at most, took 2.7 of 8 ms; with 1 thread the gap was gone). As convolutions they all
go through oneDNN.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from ..fcn import FCN
from ..padding import trimmed
from .export import per_class_upsampling

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def inference_copy(model: FCN, device: torch.device, dtype: torch.dtype) -> tuple[FCN, torch.nn.Module]:
    """The weights to infer with (channels-last: oneDNN's and cuDNN's fast layout; in bf16/fp16 cast
    once instead of per call as autocast would) and the net to call: the model itself in fp32, the
    trimmed graph in reduced precision, per-phase too on a CPU (cuDNN's transposed convolutions
    were never measured slow)."""
    if dtype == torch.float32:
        model = model.to(device, memory_format=torch.channels_last).eval()
        return model, model
    model = copy.deepcopy(model)
    if device.type == "cpu":
        per_class_upsampling(model)
    model = model.to(device, dtype, memory_format=torch.channels_last).eval()
    return model, trimmed(model)


class TorchRunner:
    """A model in PyTorch at one precision on the CPU, as a runner."""

    name = "torch"

    def __init__(self, model: FCN, precision: str = "fp32"):
        self.precision, self.dtype = precision, DTYPES[precision]
        self.model, self.net = inference_copy(model, torch.device("cpu"), self.dtype)

    @torch.inference_mode()
    def maps(self, x: torch.Tensor, intermediates: bool) -> dict[str, torch.Tensor]:
        x = x.to("cpu", self.dtype, memory_format=torch.channels_last)
        out = self.net.intermediates(x) if intermediates else {"logits": self.net(x)}
        return {k: v.float() for k, v in out.items()}

    def run(self, x: np.ndarray, names: list[str] | None = None) -> dict[str, np.ndarray]:
        maps = self.maps(torch.from_numpy(x), intermediates=names != ["logits"])
        return {k: v.numpy() for k, v in maps.items() if names is None or k in names}
