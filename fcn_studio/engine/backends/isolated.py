"""The runtimes' export runs in a child process.

torch.export keeps its tracing state process-wide: while it traces one model, a training step on
another thread (the app trains and prepares a runtime at once) can fail inside torch.fx, and a
second export on another thread fails outright. A child process shares none of that; the model
travels as a safetensors file, the error back as one line. The few seconds a child takes to start
are small beside an export (10–50 s on a laptop CPU), which the app does in the background anyway.
The child also rewrites the wide 3×3 convolutions of the graph it wrote as Winograd F(4, 3)
(`winograd.py`) when asked: the runtimes' graph, not the deployment one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

from ...errors import FileProblem
from ..weights import load_model, save_model
from .export import OPSET, ExportError, export_onnx
from .winograd import rewrite_file

PACKAGE_ROOT = Path(__file__).resolve().parents[3]  # the folder holding fcn_studio/, for the child's import


def export_isolated(model: torch.nn.Module, path: str | Path, opset: int = OPSET, winograd: bool = False) -> Path:
    """`export_onnx(model, path, opset)` in a child process, then with `winograd` its wide 3×3
    convolutions rewritten (`winograd.rewrite_file`); raises ExportError naming `path`."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="fcn-studio-export-") as tmp:
        weights = save_model(model, Path(tmp) / "model.safetensors")  # float32, whatever the model's dtype
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])))
        done = subprocess.run([sys.executable, "-m", __name__, str(weights), str(path), str(opset)] + (["--winograd"] * winograd),
                              capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise ExportError(path, lines[-1] if lines else f"the export process ended with status {done.returncode}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="export one model file to ONNX (the runtimes' child process)")
    parser.add_argument("weights")
    parser.add_argument("out")
    parser.add_argument("opset", type=int)
    parser.add_argument("--winograd", action="store_true")
    args = parser.parse_args(argv)
    try:
        export_onnx(load_model(args.weights), args.out, args.opset)
        if args.winograd:
            rewrite_file(args.out)
    except FileProblem as exc:  # the exporter's message runs to many lines: the parent reads one
        print(" ".join(exc.reason.split())[:2000], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
