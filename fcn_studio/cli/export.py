"""`fcn-studio export MODEL OUT.onnx`: the deployment path, an ONNX graph any runtime can run."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..engine.backend_choices import OPSET
from ..errors import CommandError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a model to ONNX (dynamic height and width) for deployment",
                       description="Write MODEL as an ONNX graph: input 'image', float32 N×3×H×W in the model's "
                       "input convention (see `fcn-studio info MODEL`; also stored in the graph's metadata "
                       "under 'fcn_studio'), any H and W; outputs 'logits' (N×classes×H×W) and every internal "
                       "score map by its reference name. Runs in ONNX Runtime, OpenVINO, TensorRT and others.")
    p.add_argument("model", metavar="MODEL", help="model file or shipped model name (fcn8s, fcn32s, ...)")
    p.add_argument("out", metavar="OUT", help="the .onnx file to write")
    p.add_argument("--opset", type=int, default=OPSET, help=f"ONNX opset (default {OPSET}; at least 17)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.opset < 17:
        raise CommandError(f"--opset must be at least 17, got {args.opset}")
    from ..app.model_choice import resolve_model
    from ..engine.backends.export import ExportError, export_onnx, output_names

    opset = args.opset
    model = resolve_model(args.model)
    out = Path(args.out)
    try:
        export_onnx(model, out, opset=opset)
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:  # an unwritable folder, a full disk
        raise CommandError(f"{out}: {exc.strerror or exc}") from None
    print(f"{out}: {model.arch}, {model.num_classes} classes, opset {opset}, input 'image' 1×3×H×W; "
          f"outputs {', '.join(output_names(model))}")
    return 0
