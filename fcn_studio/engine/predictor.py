"""`Segmenter`: image in, labels (and on request scores and every intermediate map) out.

It owns the model's input convention (channel order, scale, mean, std from ModelInfo), the device
and the numeric precision, so callers never normalise by hand.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..images import ImageLike, load_image
from ..threads import lower_thread_priority
from .backends import CalibrationSource, ExportError, Runtime, build_runtime, measured_runtime, measures, resolve_backend
from .backends.torch_path import inference_copy
from . import devices
from .devices import resolve_device
from .fcn import FCN
from .model_files import open_model
from .memory import ALLOCATION_ERRORS, OutOfMemory, cpu_copy, out_of_memory, release
from .model_info import ModelInfo, to_input
from .shift_stitch import stitched_scores, upsample_stitched
from .tiling import predict_tiled

log = logging.getLogger(__name__)
# torch.export keeps process-wide tracing state: two exports at once (the app prepares each head's
# segmenter on its own thread) both fail, so runtimes are built one at a time.
_BUILDING = threading.Lock()

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
# How a 32s net's coarse scores become input-sized: its bilinear deconvolution, or §3.2's stitching.
UPSAMPLINGS = ("learned", "shift-stitch")
Geometry = dict[str, tuple[int, float]]
FALLBACK_CORE = 256  # tile core after an out-of-memory error: tiles of at most 768×768 px with the margin


@dataclass
class Prediction:
    labels: np.ndarray
    scores: np.ndarray | None = None
    intermediates: dict[str, np.ndarray] | None = None
    seconds: float = 0.0
    tiled: bool = False
    # Where each intermediate map lies: cell j on input pixel stride·(j − offset), by map name.
    geometry: Geometry | None = None
    note: str = ""  # what the segmenter had to do instead (out of memory: tiles, CPU), for the user
    path: str = ""  # the backend and precision that computed it ("onnxruntime fp32", "torch bf16", ...)


def resolve_precision(precision: str, device: torch.device) -> str:
    """auto → reduced precision on CUDA (bf16 where the GPU has it); on a CPU bf16 where it is
    native, else fp32. The shipped trained models keep ≥ 99.5 % of their fp32 labels in bf16
    (`fcn-studio bench` measures it), which is what made bf16 the CPU default."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if precision == "fp16" and device.type == "cpu":
        raise ValueError("fp16 is for CUDA; on a CPU use bf16 (or fp32)")
    if precision != "auto":
        return precision
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "bf16" if device.type == "cpu" and devices.cpu_has_native_bf16() else "fp32"


class Segmenter:
    """Run an FCN on images. `model_or_path`: a built model or any weight file we can open.

    Images above `max_pixels` are segmented in tiles (exactly equal labels, bounded memory);
    they come back without intermediates, and with float16 scores. An out-of-memory error falls
    back to smaller tiles, then (from a GPU) to the CPU; `Prediction.note` says so.

    `upsampling="shift-stitch"` replaces a 32s net's bilinear upsampling by shift-and-stitch
    (CVPR §3.2): score_fr made `stitch_factor`× denser from factor² shifted passes (default the
    stride, 1024 passes: every pixel its own prediction), the rest interpolated bilinearly.

    `backend`: "auto", "torch", "onnxruntime" or "openvino". On a CPU, `backend="auto"` with
    `precision="auto"` runs the fastest correct path measured here for this model
    (engine/backends/measured.py: PyTorch, ONNX Runtime or OpenVINO, in fp32, native bf16 or int8,
    reduced precision only where it keeps the fp32 labels on the model's own images, or
    `calibration`'s); measuring takes seconds to minutes once per model and machine, during which
    the CPU class's first guess serves (engine/backends/cpu.py). A named runtime runs the model
    exported once and cached on disk; with `precision="auto"` it may run a gated int8 model;
    `precision="fp32"` keeps float32 (the one flag back to exact arithmetic), `backend="torch"`
    PyTorch's. `path` (and `Prediction.path`) says which was taken and why. Runtimes and PyTorch
    in bf16 / fp16 run the VGG16 trunk with trimmed padding (engine/padding.py: the same maps
    within float rounding, fewer pixels); `backend="torch", precision="fp32"` is the plain
    forward, bit for bit.
    """

    max_pixels = 1600 * 1600

    def __init__(self, model_or_path: FCN | str | Path, device: str | torch.device = "auto",
                 precision: str = "auto", upsampling: str = "learned", stitch_factor: int | None = None,
                 backend: str = "auto", calibration: CalibrationSource | None = None):
        model = model_or_path if isinstance(model_or_path, torch.nn.Module) else open_model(model_or_path)
        self.upsampling, self.stitch_factor = upsampling, _stitch_factor(model, upsampling, stitch_factor)
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[self.precision]
        # Reduced precision is not exact anyway, so it runs the faster graph (trimmed padding,
        # per-phase upsampling: backends/torch_path.py); fp32 stays the plain, bit-exact forward.
        self.model, self._net = inference_copy(model, self.device, self.dtype)
        self._on_cpu: Segmenter | None = None
        self.backend = _backend(backend, self.device, self.precision, self.stitch_factor)
        self._int8, self._calibration = precision == "auto", calibration
        # Measured: the backend and precision above are the first guess, until `prepare` measures.
        self._measuring = measures(backend, precision, self.device, self.stitch_factor)
        self._fp32: FCN | None = model if self._measuring else None
        self._runtime: Runtime | None = None
        self._runtime_lock = threading.Lock()
        self._preparing: threading.Thread | None = None

    @property
    def path(self) -> str:
        """The backend and precision in use, in words (a runtime's once it has been prepared)."""
        if self._runtime is not None:
            return self._runtime.path
        first = f"torch {self.precision}" if self.backend == "torch" else self.backend
        if self._measuring:
            return f"{first} (the CPU class's first guess; the fastest path not measured yet)"
        return first if self.backend == "torch" else f"{first} (not prepared yet)"

    @property
    def _needs_preparing(self) -> bool:
        return self._runtime is None and (self._measuring or self.backend != "torch")

    def prepare_in_background(self) -> None:
        """Prepare the runtime on a thread; until it is ready, images are segmented by PyTorch (the
        app calls this: the first export of a model takes seconds, and nobody should wait for it)."""
        if self._needs_preparing and self._preparing is None:
            self._preparing = threading.Thread(target=self._prepare_below_window, name="fcn-studio-prepare",
                                               daemon=True)
            self._preparing.start()

    def _prepare_below_window(self) -> None:
        lower_thread_priority()  # the export child process and the runtime's pool inherit it
        self.prepare()

    def _current_runtime(self) -> Runtime | None:
        """The runtime to use for this call: None means PyTorch (the backend, or one still preparing)."""
        if not self._needs_preparing:
            return self._runtime
        if self._preparing is not None and self._preparing.is_alive():
            return None
        self.prepare()
        return self._runtime

    def prepare(self) -> str:
        """Measure (auto), or export, quantize and open the runtime, now rather than at the first
        image; returns `path`. A model the runtime can't take falls back to PyTorch, with a warning."""
        with self._runtime_lock, _BUILDING:
            if self._needs_preparing:
                try:
                    if self._measuring:
                        self._runtime = measured_runtime(self._fp32, self._calibration)
                    else:
                        self._runtime = build_runtime(self.model, self.backend, self._int8, self._calibration)
                except (ExportError, RuntimeError, OSError) as exc:  # ORT and OpenVINO raise RuntimeError kinds
                    log.warning("%s unavailable for %s (%s); using PyTorch %s", self.backend, self.info.arch, exc,
                                self.precision)
                    self.backend, self._measuring = "torch", False
                else:
                    self.backend, self._measuring, self._fp32 = self._runtime.runner.name, False, None
                    log.info("segmenting with %s", self._runtime.path)
        return self.path

    @property
    def info(self) -> ModelInfo:
        return self.model.info

    def _cast(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(self.device, self.dtype, memory_format=torch.channels_last)

    @torch.inference_mode()
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Already-normalised N×3×H×W input → float32 N×C×H×W logits."""
        return self._maps(x, intermediates=False, runtime=self._current_runtime())["logits"].float()

    def _maps(self, x: torch.Tensor, intermediates: bool, runtime: Runtime | None) -> dict[str, torch.Tensor]:
        if runtime is not None:
            return runtime.maps(x.to(self.device, torch.float32), intermediates)  # plain NCHW arrays
        x = self._cast(x)
        if self.stitch_factor:
            dense = stitched_scores(self.model, x, self.stitch_factor)
            f = self.stitch_factor
            # Shift (0, 0) is the plain pass: its cells land on every f-th dense cell from f − 1.
            logits = upsample_stitched(dense, x.shape[2], x.shape[3])
            if not intermediates:
                return {"logits": logits}
            return {"score_fr": dense.scores[:, :, f - 1 :: f, f - 1 :: f], "score_fr_stitched": dense.scores, "logits": logits}
        return self._net.intermediates(x) if intermediates else {"logits": self._net(x)}

    @property
    def geometry(self) -> Geometry:
        """Where every map `predict(..., intermediates=True)` returns lies on the image."""
        if not self.stitch_factor:
            return dict(self.model.blob_geometry)
        stride, offset = self.model.blob_geometry["score_fr"]
        f = self.stitch_factor
        return {"score_fr": (stride, offset), "score_fr_stitched": (stride // f, f - 1 + f * offset), "logits": (1, 0.0)}

    @torch.inference_mode()
    def predict(self, image: ImageLike, scores: bool = False, intermediates: bool = False) -> Prediction:
        start = time.perf_counter()
        rgb = load_image(image)
        try:
            out = self._predict(rgb, scores, intermediates)
        except ALLOCATION_ERRORS as exc:
            if not out_of_memory(exc):
                raise
            out = None  # retried below, outside this block, so the failed attempt's tensors are freed
        if out is None:
            out = self._after_oom(rgb, scores, intermediates)
        out.seconds = time.perf_counter() - start
        return out

    def _predict(self, rgb: np.ndarray, scores: bool, intermediates: bool) -> Prediction:
        x = to_input(rgb, self.info.input, self.device)
        if x.shape[2] * x.shape[3] > self.max_pixels:
            # fp32 activations are twice bf16's: a smaller core keeps a 4000×3000 photo under 3 GB.
            return self._tiled(x, scores, 768 if self.dtype == torch.float32 else 1024)
        runtime = self._current_runtime()
        maps = self._maps(x, intermediates, runtime)
        logits = maps["logits"].float()
        labels = logits.argmax(1)[0]
        out = Prediction(labels=labels.to(torch.uint8 if self.info.num_classes <= 256 else torch.int32).cpu().numpy(),
                         path=runtime.path if runtime is not None else f"torch {self.precision}")
        if scores:
            out.scores = logits.softmax(1)[0].cpu().numpy()
        if intermediates:
            out.intermediates = {k: v[0].float().cpu().numpy() for k, v in maps.items()}
            geometry = self.geometry
            out.geometry = {k: geometry[k] for k in maps if k in geometry}
        return out

    def _tiled(self, x: torch.Tensor, scores: bool, core: int) -> Prediction:
        labels, probs = predict_tiled(self.logits, x, core=core, scores=scores)
        runtime = self._current_runtime()
        return Prediction(labels=labels.numpy(), scores=None if probs is None else probs.numpy(), tiled=True,
                          path=runtime.path if runtime is not None else f"torch {self.precision}")

    def _after_oom(self, rgb: np.ndarray, scores: bool, intermediates: bool) -> Prediction:
        """Small tiles on the same device, then the CPU; each step logged and noted for the user."""
        size = f"{rgb.shape[1]}×{rgb.shape[0]}"
        release(self.device)
        log.warning("out of memory on %s segmenting a %s image; retrying in tiles of %d px", self.device, size, FALLBACK_CORE)
        try:
            out = self._tiled(to_input(rgb, self.info.input, self.device), scores, FALLBACK_CORE)
            out.note = f"out of memory on {self.device}: segmented in tiles of {FALLBACK_CORE} px (no internal maps)"
            return out
        except ALLOCATION_ERRORS as exc:
            if not out_of_memory(exc):
                raise
        release(self.device)
        if self.device.type == "cpu":
            raise OutOfMemory(f"out of memory on the CPU for a {size} image, even in tiles of {FALLBACK_CORE} px; "
                              "close other programs or use a smaller image")
        log.warning("out of memory on %s even in tiles; segmenting the %s image on the CPU", self.device, size)
        if self._on_cpu is None:
            self._on_cpu = Segmenter(cpu_copy(self.model), device="cpu", precision="fp32", backend="torch",
                                     upsampling=self.upsampling, stitch_factor=self.stitch_factor or None)
        out = self._on_cpu.predict(rgb, scores=scores, intermediates=intermediates)
        out.note = f"out of memory on {self.device}: segmented on the CPU instead"
        return out


def _stitch_factor(model: FCN, upsampling: str, factor: int | None) -> int:
    """0 for learned upsampling, else the checked shift-and-stitch factor."""
    if upsampling not in UPSAMPLINGS:
        raise ValueError(f"upsampling must be one of {', '.join(UPSAMPLINGS)}, got {upsampling!r}")
    if upsampling == "learned":
        return 0
    if model.stride != 32:
        raise ValueError(f"shift-and-stitch replaces the upsampling of an FCN-32s; {model.arch} fuses skips "
                         "(use the 32s net of its family)")
    factor = model.stride if factor is None else factor
    if factor < 1 or model.stride % factor:
        raise ValueError(f"the stitch factor must divide the stride {model.stride}, got {factor}")
    return factor


def _backend(backend: str, device: torch.device, precision: str, stitch_factor: int) -> str:
    """The backend name: runtimes compute fp32 (int8 on top) and the plain upsampling only, so a
    reduced precision or shift-and-stitch keeps `auto` on PyTorch and refuses a named runtime."""
    if precision == "fp32" and not stitch_factor:
        return resolve_backend(backend, device)
    if backend not in ("auto", "torch"):
        resolve_backend(backend, device)  # an unknown name is reported as such
        what = "shift-and-stitch" if stitch_factor else f"{precision} precision"
        raise ValueError(f"the {backend} backend runs fp32 (or gated int8) learned upsampling, not {what}; "
                         "use backend torch for it")
    return "torch"
