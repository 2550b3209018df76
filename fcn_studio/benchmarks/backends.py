"""Issues #19 and #29: the default path and every candidate path against a plain fp32 eager forward.

All paths run the same weights on the same input, timed interleaved (in a shuffled order each
round) so that a busy machine slows them alike, medians reported. The candidates are the ones the
default measures on this CPU (PyTorch fp32 / bf16, ONNX Runtime fp32 / int8, OpenVINO fp32 / bf16 /
int8, as this CPU and install allow); reduced precision rows are measured whatever the agreement
gate would decide, and the one the default picked is marked: the point is to show what each
costs in labels and gains in time here, and that the default is the fastest that passes.
"""

from __future__ import annotations

import copy
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from fcn_studio.data.synthetic.own_scenes import own_scenes
from fcn_studio.engine import FCN, Segmenter
from fcn_studio.engine.backends import cached_export
from fcn_studio.engine.backends.calibration import Calibration, CalibrationSource, from_rgb
from fcn_studio.engine.backends.candidates import candidates
from fcn_studio.engine.backends.cpu import cpu_description
from fcn_studio.engine.backends.export import export_onnx
from fcn_studio.engine.backends.measured import UNAVAILABLE, interleaved, logits_of
from fcn_studio.engine.backends.runners import OrtRunner, openvino_installed
from fcn_studio.engine import devices
from fcn_studio.engine.padding import trimmed
from fcn_studio.engine.model_info import to_input
from .inference import Row, plain_forward
from .upsampling import synthetic_val

log = logging.getLogger(__name__)

Forward = Callable[[np.ndarray], np.ndarray]  # normalised N×3×H×W → logits


def candidate_forwards(model: FCN, calibration: Calibration | None) -> dict[str, Forward]:
    """Every path the default measures on this CPU (engine/backends/candidates.py), built as it
    builds them (the cached Winograd graph for fp32, the plain one for bf16 and int8, int8
    calibrated on `calibration`), whatever their gate would say: the rows show what each costs in
    labels and gains in time. They get a copy of
    `model`: the PyTorch fp32 candidate makes its model channels-last in place (as the Segmenter
    does its own), which would turn the caller's plain NCHW baseline into that candidate."""
    model = copy.deepcopy(model)
    forwards: dict[str, Forward] = {}
    for option in candidates(model, calibration, devices.cpu_has_native_bf16(), openvino_installed(),
                             lambda winograd: cached_export(model, winograd)):
        try:
            forwards[option.name] = logits_of(option.build())
        except UNAVAILABLE as exc:
            log.warning("%s unavailable here: %s", option.name, exc)
    return forwards


def default_segmenter(model: FCN, calibration: CalibrationSource | None) -> tuple[Segmenter, str]:
    """The Segmenter as the app and the CLI make it (auto backend and precision: measured), prepared."""
    default = Segmenter(copy.deepcopy(model), device="cpu", calibration=calibration)
    return default, default.prepare()


def candidate_name(name: str, path: str) -> str:
    """A candidate's row name, marked where it is the one the default runs."""
    return f"{name}  ← the default's pick" if path.startswith(f"{name} ") or path == name else name


def scene_calibration(model: FCN, size: int, n: int = 4) -> Calibration:
    """The model's own images if it has any, else synthetic scenes at `size` (random weights)."""
    mine = own_scenes(model)
    if mine is not None:
        return mine
    scenes = synthetic_val(2 * n, size, seed=31337)
    rgbs = [scenes.load(i)[0] for i in range(2 * n)]
    return from_rgb(f"{n} synthetic scenes of {size} px", rgbs[:n], rgbs[n:], model)


BASELINE = "plain fp32 eager (baseline)"


def rows_vs_plain(fns: dict[str, Callable[[], object]], repeat: int) -> list[Row]:
    """Time `fns` interleaved; each row's ratio and label agreement against the BASELINE entry."""
    labels = {name: np.asarray(fn()).argmax(1) for name, fn in fns.items()}
    seconds = interleaved(fns, repeat)
    ref, base = labels[BASELINE], seconds[BASELINE]
    return [Row(name, seconds[name], base / seconds[name],
                "" if name.startswith("plain") else f"labels equal {100 * (labels[name] == ref).mean():.2f} %")
            for name in fns]


def backend_rows(model: FCN, size: int, repeat: int, calibration: Calibration | None = None) -> list[Row]:
    """Plain fp32 eager, the Segmenter's default path (measured, with `calibration` as the model's
    own images: none, no reduced precision), and every candidate path (int8 calibrated on synthetic
    scenes where the model has no images); ratios and labels vs plain on one random input."""
    model = model.eval()
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    a = x.numpy()
    default, path = default_segmenter(model, calibration)
    forwards = candidate_forwards(model, calibration or scene_calibration(model, min(size, 192)))
    fns: dict[str, Callable[[], object]] = {BASELINE: lambda: plain_forward(model, x),
                                            f"Segmenter default: {path}": lambda: default.logits(x)}
    fns.update({candidate_name(name, path): (lambda f=f: f(a)) for name, f in forwards.items()})
    return rows_vs_plain(fns, repeat)


def padding_rows(model: FCN, size: int, repeat: int, calibration: Calibration | None = None) -> list[Row]:
    """Trimmed padding (engine/padding.py) on its own and behind ONNX Runtime, beside plain fp32
    eager, ORT on the plain trunk and the Segmenter's default path (whose graph trims); ratios and
    labels vs plain eager, on one input of `size`², interleaved."""
    model = model.eval()
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    a = x.numpy()
    fast = trimmed(model)
    default = Segmenter(copy.deepcopy(model), device="cpu", calibration=calibration)
    path = default.prepare()
    with tempfile.TemporaryDirectory() as tmp:
        plain_ort = OrtRunner(export_onnx(model, Path(tmp) / "plain.onnx", trim=False))
        trim_ort = OrtRunner(export_onnx(model, Path(tmp) / "trimmed.onnx"))  # the deployment graph: no Winograd
        fns: dict[str, Callable[[], object]] = {
            BASELINE: lambda: plain_forward(model, x),
            "PyTorch fp32 eager, trimmed padding": lambda: plain_forward(fast, x),
            "ONNX Runtime fp32, plain trunk": lambda: plain_ort.run(a, ["logits"])["logits"],
            "ONNX Runtime fp32, trimmed padding": lambda: trim_ort.run(a, ["logits"])["logits"],
            f"Segmenter default: {path}": lambda: default.logits(x)}
        return rows_vs_plain(fns, repeat)


def trained_backend_rows(model: FCN, images: list[np.ndarray], repeat: int = 3) -> list[Row]:
    """On trained weights and held-out images: plain fp32 eager, the default path (measured, gated
    on the model's own images as the app and the CLI do) and every candidate; each one's labels
    against PyTorch fp32 (all images, and the worst one) and time per image."""
    model = model.eval()
    inputs = [to_input(rgb, model.info.input) for rgb in images]
    with torch.no_grad():
        ref = [model(x).argmax(1).numpy() for x in inputs]
    default, path = default_segmenter(model, own_scenes)
    forwards: dict[str, Forward] = {"plain fp32 eager": lambda a: plain_forward(model, torch.from_numpy(a)).numpy(),
                                    f"Segmenter default: {path}": lambda a: default.logits(torch.from_numpy(a)).numpy()}
    calibration = own_scenes(model) or scene_calibration(model, images[0].shape[0])
    forwards.update({candidate_name(name, path): f for name, f in candidate_forwards(model, calibration).items()})
    arrays = [x.numpy() for x in inputs]
    seconds = interleaved({name: (lambda f=f: f(arrays[0])) for name, f in forwards.items()}, repeat)
    rows = []
    for name, f in forwards.items():
        agree = [float((f(arr).argmax(1) == r).mean()) for arr, r in zip(arrays, ref)]
        note = f"labels equal {100 * np.mean(agree):.2f} % (worst image {100 * min(agree):.1f} %)"
        rows.append(Row(name, seconds[name], seconds["plain fp32 eager"] / seconds[name], note))
    return rows


def shipped_backend_sections(paths: list[Path], images: int, size: int, repeat: int) -> dict[str, list[Row]]:
    """`trained_backend_rows` for each shipped model, on held-out synthetic scenes."""
    from fcn_studio.engine import open_model

    scenes = synthetic_val(images, size)
    rgbs = [scenes.load(i)[0] for i in range(len(scenes))]
    return {f"backends on trained weights: shipped {p.stem}, {len(rgbs)} held-out scenes of {size} px, {cpu_description()}":
            trained_backend_rows(open_model(p), rgbs, repeat) for p in paths}


def load_latency_rows(model: FCN, size: int, repeat: int, busy: int) -> list[Row]:
    """Latency while `busy` processes keep every core busy (as a training job in the app does):
    plain PyTorch eager, ONNX Runtime with spinning workers (its default), and without (ours);
    ratios against plain eager under the same load."""
    import multiprocessing as mp

    x = torch.randn(1, 3, size, size)
    a = x.numpy()
    fp32 = cached_export(model)
    ours, spinning = OrtRunner(fp32), OrtRunner(fp32)
    _allow_spinning(spinning, fp32)
    fns = {"plain fp32 eager": lambda: plain_forward(model, x),
           "ONNX Runtime, workers spin (its default)": lambda: spinning.run(a, ["logits"]),
           "ONNX Runtime, no spinning (the default path's)": lambda: ours.run(a, ["logits"])}
    idle = interleaved(fns, repeat)
    stop = mp.get_context("spawn").Event()
    hogs = [mp.get_context("spawn").Process(target=_burn, args=(stop,), daemon=True) for _ in range(busy)]
    for p in hogs:
        p.start()
    try:
        loaded = interleaved(fns, repeat)
    finally:
        stop.set()
        for p in hogs:
            p.join(5)
    plain = loaded["plain fp32 eager"]
    return [Row(f"{name}, {busy} busy processes", loaded[name], plain / loaded[name],
                f"idle {1000 * idle[name]:.0f} ms; loaded/idle {loaded[name] / idle[name]:.1f}×") for name in fns]


def _allow_spinning(runner: OrtRunner, path: Path) -> None:
    """Reopen `runner`'s session with ONNX Runtime's default spin-waiting workers."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    runner.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _burn(stop) -> None:
    """A stand-in for a training job: one core's worth of arithmetic until told to stop."""
    torch.set_num_threads(1)
    a = torch.randn(256, 256)
    while not stop.is_set():
        a = torch.tanh(a @ a)
