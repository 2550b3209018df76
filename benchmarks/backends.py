"""Issue #19's figures: the default path and every runtime against a plain fp32 eager forward.

All paths run the same weights on the same input, timed interleaved (A B C A B C …) so that a
busy machine slows them alike, medians reported. int8 rows are measured whatever the agreement
gate would decide (the gate's own verdict is a row of its own on trained weights): the point is
to show what int8 costs in labels and gains in time on this CPU.
"""

from __future__ import annotations

import copy
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from fcn_studio.data.synthetic.calibration import own_scenes
from fcn_studio.engine import FCN, Segmenter
from fcn_studio.engine.backends.calibration import Calibration, from_rgb
from fcn_studio.engine.backends.cpu import cpu_description
from fcn_studio.engine.backends import cached_export
from fcn_studio.engine.backends.export import export_onnx
from fcn_studio.engine.backends.int8 import quantize
from fcn_studio.engine.padding import trimmed
from fcn_studio.engine.backends.runners import OpenVinoRunner, OrtRunner, openvino_installed
from fcn_studio.engine.model_info import to_input
from .inference import Row, plain_forward
from .upsampling import synthetic_val

Forward = Callable[[np.ndarray], np.ndarray]  # normalised N×3×H×W → logits


def interleaved(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds of each function, one call of each per round after one untimed round, in a
    new order each round (shuffled, seeded): right after an eager PyTorch forward its OpenMP
    threads still spin for a while, which cost the next path ~3 ms of a 16 ms run at 192², so no
    path may always be the one that follows it (rotating the start would keep the neighbours)."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    shuffle = random.Random(0).shuffle
    for round_ in range(repeat + 1):
        names = list(fns)
        shuffle(names)
        for name in names:
            start = time.perf_counter()
            fns[name]()
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def runtime_forwards(model: FCN, folder: Path, calibration: Calibration) -> dict[str, Forward]:
    """Each runtime path of `model` on the graph `fcn-studio export` writes (what a deployer would
    run; no Winograd, which only the default path's cached graph has): ORT fp32, OpenVINO fp32 (if
    installed), int8 in both."""
    fp32 = export_onnx(model, folder / "model.onnx")
    q = quantize(fp32, folder / "model.int8.onnx", calibration.images, "image")
    runners = {"ONNX Runtime fp32": OrtRunner(fp32), "ONNX Runtime int8 (static QDQ, per channel)": OrtRunner(q)}
    if openvino_installed():
        runners["OpenVINO fp32"] = OpenVinoRunner(fp32)
        runners["OpenVINO int8 (same QDQ model)"] = OpenVinoRunner(q)
    return {name: (lambda a, r=r: r.run(a, ["logits"])["logits"]) for name, r in runners.items()}


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
    """Plain fp32 eager, the Segmenter's default path, each runtime; ratios and labels vs plain."""
    model = model.eval()
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
    a = x.numpy()
    default = Segmenter(copy.deepcopy(model), device="cpu", calibration=calibration)
    path = default.prepare()
    with tempfile.TemporaryDirectory() as tmp:
        forwards = runtime_forwards(model, Path(tmp), calibration or scene_calibration(model, min(size, 192)))
        fns: dict[str, Callable[[], object]] = {BASELINE: lambda: plain_forward(model, x),
                                                f"Segmenter default: {path}": lambda: default.logits(x)}
        fns.update({name: (lambda f=f: f(a)) for name, f in forwards.items()})
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
    """On trained weights and held-out images: each path's labels against PyTorch fp32 (all images,
    and the worst one) and time per image; the default path's name says what the gate decided."""
    model = model.eval()
    inputs = [to_input(rgb, model.info.input) for rgb in images]
    with torch.no_grad():
        ref = [model(x).argmax(1).numpy() for x in inputs]
    default = Segmenter(copy.deepcopy(model), device="cpu", calibration=own_scenes)  # as the app and the CLI do
    verdict = default.prepare()
    with tempfile.TemporaryDirectory() as tmp:
        forwards: dict[str, Forward] = {"plain fp32 eager": lambda a: plain_forward(model, torch.from_numpy(a)).numpy(),
                                        f"Segmenter default: {verdict}": lambda a: default.logits(torch.from_numpy(a)).numpy()}
        forwards.update(runtime_forwards(model, Path(tmp), scene_calibration(model, images[0].shape[0])))
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
