"""Which class of x86 CPU this is, and `auto`'s first guess on it.

The default path is measured on the CPU at hand (measured.py); this rule only says what serves
while that is measured, and what `precision="fp32"` with `backend="auto"` runs. Three classes:
- `avx512-bf16` (AVX-512 BF16 or AMX): bf16 matmuls are native, PyTorch bf16 is ≈ 2.5× fp32;
- `avx512`: no native bf16 (PyTorch would emulate it and gain nothing), an fp32 runtime;
- `avx2` (most laptops, AMD EPYC before Zen 4, many servers) and anything else: an fp32 runtime.
The choice is a pure function of the class and of what is installed, so a test can mock both.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import torch

from .. import devices

log = logging.getLogger(__name__)

@lru_cache(maxsize=1)
def cpu_description() -> str:
    """Model name and the flags that matter here, for reports printed beside every ratio."""
    name, flags = "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and name == "unknown CPU":
                name = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:  # not Linux: the capability PyTorch detected still says the class
        pass
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "avx_vnni")
    shown = " ".join(f for f in wanted if f in flags) or "flags unknown"
    return f"{name} ({shown}; torch capability {torch.backends.cpu.get_cpu_capability()})"


def cpu_class(capability: str | None = None, native_bf16: bool | None = None) -> str:
    """The class of this CPU (arguments: what to assume instead of asking the hardware)."""
    capability = torch.backends.cpu.get_cpu_capability() if capability is None else capability
    native_bf16 = devices.cpu_has_native_bf16() if native_bf16 is None else native_bf16
    if native_bf16:
        return "avx512-bf16"
    if capability.startswith("AVX512"):
        return "avx512"
    return "avx2" if capability == "AVX2" else "other"


def auto_backend(device_type: str, cpu: str, openvino_installed: bool) -> str:
    """The first-guess backend on this device and CPU class (measured.py then decides).

    CUDA: PyTorch (cuDNN is the fast path there). A CPU with native bf16: PyTorch bf16 (measured
    2.55× plain fp32 on such a CPU, above either runtime's fp32). Everywhere else an fp32 runtime:
    OpenVINO where its extra is installed (it measured ahead of ONNX Runtime on the AVX2 CPU),
    else ONNX Runtime; an int8 model is tried on top of ONNX Runtime where calibration data exist
    (see `int8.py`: used only where it passes the agreement gate and is measured faster).
    """
    if device_type != "cpu" or cpu == "avx512-bf16":
        return "torch"
    return "openvino" if openvino_installed else "onnxruntime"
