"""int8 post-training quantization of an exported FCN, behind a label-agreement gate.

Static QDQ, weights int8 per output channel, activations uint8, ranges from the model's own
images (calibration). The score layers, the deconvolutions and the skip fusions stay float: they
are cheap (C×C channels at most), and quantizing them cost the shipped FCN-8s most of its
disagreement (99.0 % → 99.5 % of its fp32 labels when they stay float). So does the first block
(conv1_1, conv1_2), which sees the image itself: at the shipped width (8 channels) int8 gains
nothing there, and keeping it float lifted the shipped models over the bar (FCN-32s 99.47 →
99.64 %, FCN-16s 99.45 → 99.58 %, FCN-8s 99.54 → 99.67 %, 30 held-out scenes; keeping block 2,
conv5 or fc6/fc7 float as well added 0.03 % or nothing; percentile or entropy ranges did worse).

The gate: labels of the int8 model against the fp32 model on held-out images (not the calibration
ones), pixel by pixel. The int8 model is used only where agreement ≥ `AGREEMENT_BAR` and it is
measured faster than the fp32 runtime it would replace (on narrow nets int8 kernels gain nothing);
the verdict, with its figures, is stored beside the model so the gate runs once per model.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ...files import replacing
from .cache import read_json, write_json
from .export import layer_of
from .runners import RUNNERS, Runner
from .winograd import NODE_MARK

log = logging.getLogger(__name__)

AGREEMENT_BAR = 0.995
# int8 must beat the fp32 runtime by this factor: a tie is not worth a less exact answer.
MIN_SPEEDUP = 1.1
FLOAT_OPS = ("ConvTranspose", "Add", "DepthToSpace")
# Bump when what is quantized changes, so stored verdicts of the old rule are not reused.
# 2: the first block stays float.
# 3: pads and slices on the score maps stay float.
QUANTIZER = 3
HEAD_PREFIXES = ("score", "upscore")  # layer names: score_fr, upscore2, upscore8 …
FLOAT_PREFIXES = ("conv1_", *HEAD_PREFIXES)
# Ops that only move values: on a score map they stay float as well (the quantizer would put a
# uint8 step on the map between two float layers, as on the final upsampling's window).
PASS_THROUGH = ("Pad", "Slice")


@dataclass
class Verdict:
    """What the gate measured and decided (stored as JSON beside the quantized model)."""

    agreement: float  # fraction of held-out pixels whose int8 label is the fp32 label
    worst: float  # the same on the worst held-out image
    images: int
    fp32_seconds: float
    int8_seconds: float
    bar: float = AGREEMENT_BAR
    source: str = ""  # the calibration data, in words
    quantizer: int = QUANTIZER  # the rule the int8 model was made by

    @property
    def agrees(self) -> bool:
        return self.agreement >= self.bar

    @property
    def faster(self) -> bool:
        return self.fp32_seconds >= MIN_SPEEDUP * self.int8_seconds

    @property
    def passed(self) -> bool:
        return self.agrees and self.faster

    def describe(self) -> str:
        speed = f"{self.fp32_seconds / max(self.int8_seconds, 1e-9):.2f}× fp32"
        labels = f"{100 * self.agreement:.2f} % of fp32 labels on {self.images} held-out images (worst {100 * self.worst:.1f} %)"
        if self.passed:
            return f"int8: {labels}, {speed}"
        why = "; ".join(([] if self.agrees else [f"below the {100 * self.bar:.1f} % bar"])
                        + ([] if self.faster else [f"only {speed}"]))
        return f"int8 refused ({labels}; {why})"


def float_nodes(onnx_path: Path) -> list[str]:
    """Nodes to keep in float: the first block, the head (score layers, upsamplings in either
    exported form, fusions, and the pads and slices on their maps) and every node of a Winograd
    convolution (its transforms' exact small integers and the products of transformed tiles have
    ranges a per-tensor uint8 scale cannot hold)."""
    import onnx

    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    names, head = [], set()  # head: the outputs of the score maps' float nodes
    for n in graph.node:  # in topological order
        conv = n.op_type == "Conv" and layer_of(n.input[1])
        scores = (n.op_type in FLOAT_OPS or (conv and conv.startswith(HEAD_PREFIXES))
                  or (n.op_type in PASS_THROUGH and n.input[0] in head))
        if scores:
            head.update(n.output)
        if scores or NODE_MARK in n.name or (conv and conv.startswith(FLOAT_PREFIXES)):
            names.append(n.name)
    return names


def quantize(fp32_path: Path, int8_path: Path, calibration: list[np.ndarray], input_name: str) -> Path:
    """Write the int8 QDQ model of `fp32_path`, ranges from `calibration` (N×3×H×W float32 arrays)."""
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.items: Iterator[np.ndarray] = iter(calibration)

        def get_next(self) -> dict[str, np.ndarray] | None:
            x = next(self.items, None)
            return None if x is None else {input_name: x}

    quiet = logging.getLogger()
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # onnxruntime.quantization logs advice on the root logger
    try:
        with replacing(int8_path) as tmp:
            quantize_static(str(fp32_path), tmp, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=float_nodes(fp32_path))
    finally:
        quiet.setLevel(level)
    return int8_path


def agreement(reference: list[np.ndarray], run: Callable[[np.ndarray], np.ndarray],
              held_out: list[np.ndarray]) -> tuple[float, float]:
    """The gate's figures: the fraction of held-out pixels whose label under `run` is the
    `reference` label (all images, weighted by size), and the same on the worst image. Every
    reduced precision is held to it (int8 here; bf16 in `measured.py`)."""
    agree = [float((run(x).argmax(1) == ref).mean()) for x, ref in zip(held_out, reference)]
    return float(np.average(agree, weights=[r.size for r in reference])), min(agree)


def measure(fp32: Callable[[np.ndarray], np.ndarray], int8: Callable[[np.ndarray], np.ndarray],
            held_out: list[np.ndarray], source: str, repeat: int = 9) -> Verdict:
    """Label agreement on `held_out` and interleaved timings (median) of both on the first image
    (nine each, not five: the shipped FCN-8s measured 1.06× in one run and 1.29× in the next)."""
    share, worst = agreement([fp32(x).argmax(1) for x in held_out], int8, held_out)
    times: dict[str, list[float]] = {"fp32": [], "int8": []}
    for _ in range(repeat):
        for name, run in (("fp32", fp32), ("int8", int8)):
            start = time.perf_counter()
            run(held_out[0])
            times[name].append(time.perf_counter() - start)
    return Verdict(agreement=share, worst=worst, images=len(held_out),
                   fp32_seconds=statistics.median(times["fp32"]), int8_seconds=statistics.median(times["int8"]),
                   bar=AGREEMENT_BAR, source=source)


def _stored(record: Path, source: str) -> Verdict | None:
    """The verdict in `record` if it was made from `source` by this quantizer, else None."""
    stored = read_json(record)
    if stored is None or stored.get("source") != source or stored.get("quantizer") != QUANTIZER:
        return None
    return Verdict(**stored)


def int8_model(fp32_path: Path, calibration: list[np.ndarray], source: str, input_name: str) -> Path:
    """The int8 model of `fp32_path` quantized on `source`'s images by this QUANTIZER: the file on
    disk where its record says so, else made now. One file for every runtime and every gate."""
    int8_path = fp32_path.with_suffix(".int8.onnx")
    record = fp32_path.with_suffix(".int8.made.json")
    made = {"source": source, "quantizer": QUANTIZER}
    if not int8_path.is_file() or read_json(record) != made:
        quantize(fp32_path, int8_path, calibration, input_name)
        write_json(record, made)
    return int8_path


def gated_int8(fp32_path: Path, fp32: Callable[[np.ndarray], np.ndarray], calibration: list[np.ndarray],
               held_out: list[np.ndarray], source: str, input_name: str,
               runtimes: tuple[str, ...] = ("onnxruntime",)) -> list[tuple[str, Runner | None, Verdict]]:
    """For each of `runtimes`: its name, the int8 model in it if it passes the gate there (else
    None), and the verdict; cached by file name. One int8 model for all (quantized once); each
    runtime has its own verdict, since their int8 kernels round differently (OpenVINO's agreed a
    little more than ONNX Runtime's on the same QDQ file, and ran faster)."""
    int8_path = int8_model(fp32_path, calibration, source, input_name)
    records = {name: fp32_path.with_suffix(".int8.json" if name == "onnxruntime" else f".int8.{name}.json")
               for name in runtimes}
    gates = []
    for name in runtimes:
        verdict = _stored(records[name], source)
        if verdict is None:
            runner = RUNNERS[name](int8_path)
            verdict = measure(fp32, lambda x: runner.run(x, ["logits"])["logits"], held_out, source)
            write_json(records[name], asdict(verdict))
        log.info("%s %s", name, verdict.describe())
        gates.append((name, RUNNERS[name](int8_path) if verdict.passed else None, verdict))
    return gates
