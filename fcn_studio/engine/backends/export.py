"""ONNX export of an FCN: dynamic height and width, every intermediate map an output.

The graph is the trimmed-padding pass where the trunk has one (engine/padding.py: most of
conv1_1's padding not computed; slices and concatenations on the symbolic sizes restore the true
blobs), so a runtime gets that gain too. Its outputs are the maps `model.intermediates` returns,
by reference name: `logits` first — a deployment tool that takes output 0 gets the class scores —
then score_fr … in the forward's order, so the app's *Inside the net* panel gets them from the same
run as the labels. Runtimes ask for outputs by name, never by position; a caller that wants only
`logits` asks for that output alone and the rest costs nothing extra (every map lies on the path to
the logits). Crops are slices with fixed starts and sizes taken from
the input (`Slice` on `Shape`), deconvolutions `ConvTranspose` with the learned weights — an
upsampling that maps each class onto itself only (the fixed final one always) as a convolution per
output phase and a pixel shuffle (`bilinear.per_class`: the same sums without the products with
zero), and the final one computes only the window its crop keeps (`PhaseUpsampling.window`: a
192² input's upscore8 is 280², of which 192² are kept): the same arithmetic as PyTorch, checked
against its forward at several sizes in tests/engine/backends/test_runtimes.py.
"""

from __future__ import annotations

import copy
import json
import logging
import warnings
from pathlib import Path
from typing import Iterable

import torch
from torch import nn

from ...errors import ExportError
from ...files import replacing
from ..backend_choices import OPSET
from ..bilinear import per_class
from ..build import build_model
from ..padding import trimmed
from ..weights import METADATA_KEY

log = logging.getLogger(__name__)

INPUT_NAME = "image"
# The trace runs on an input of this size; height and width stay symbolic in the graph.
TRACE_SIZE = 224


class _Maps(nn.Module):
    """The model with its intermediates as a tuple: what an ONNX graph can return."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        maps = self.model.intermediates(x)
        return tuple(maps[name] for name in graph_order(maps))


def graph_order(names: Iterable[str]) -> list[str]:
    """The graph's output order: `logits` first, then the other maps as the forward makes them."""
    return ["logits", *(name for name in names if name != "logits")]


def output_names(model: nn.Module) -> list[str]:
    """The names of the maps, in the order the graph returns them (traced on meta tensors: free)."""
    meta = nn.Module.to(build_model(model.arch, num_classes=model.num_classes, width=model.width), "meta")
    with torch.no_grad():
        return graph_order(meta.intermediates(torch.empty(1, 3, TRACE_SIZE, TRACE_SIZE, device="meta")))


def layer_of(initializer: str) -> str:
    """The model layer an exported weight belongs to: "model.model.score_fr.weight" → "score_fr"."""
    parts = initializer.split(".")
    return parts[-2] if len(parts) > 1 else initializer


def per_class_upsampling(model: nn.Module) -> None:
    """Replace, in place, each of `model`'s upsamplings that keeps classes apart by its per-class form."""
    for name, module in list(model.named_children()):
        if isinstance(module, nn.ConvTranspose2d) and (per_phase := per_class(module)) is not None:
            setattr(model, name, per_phase)


def export_onnx(model: nn.Module, path: str | Path, opset: int = OPSET, trim: bool = True) -> Path:
    """Write `model` (float32, CPU) as ONNX to `path` atomically; raises ExportError if it can't.
    With `trim` the graph is the trimmed-padding pass (engine/padding.py: the same maps over fewer
    pixels) where the trunk has one."""
    path = Path(path)
    # A copy: the caller's model keeps its layout (channels-last) and device.
    model = copy.deepcopy(model).float().to("cpu", memory_format=torch.contiguous_format).eval()
    names = output_names(model)
    per_class_upsampling(model)
    graph = trimmed(model) if trim else model
    example = torch.zeros(1, 3, TRACE_SIZE, TRACE_SIZE)
    dims = {"x": {0: torch.export.Dim("batch", min=1, max=1024), 2: torch.export.Dim("height", min=1, max=16384), 3: torch.export.Dim("width", min=1, max=16384)}}
    chatty = [logging.getLogger(name) for name in ("onnxscript", "onnx_ir", "torch.onnx")]
    levels = [logger.level for logger in chatty]
    for logger in chatty:  # their INFO lines (one per rewrite rule) are not the user's business
        logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's own progress chatter; failures raise
            program = torch.onnx.export(_Maps(graph), (example,), dynamo=True, opset_version=opset, verbose=False,
                                        input_names=[INPUT_NAME], output_names=names, dynamic_shapes=dims)
    except Exception as exc:  # torch.export and onnxscript raise many types; all mean "not exportable"
        raise ExportError(path, f"could not export {getattr(model, 'arch', type(model).__name__)} to ONNX: {exc}") from exc
    finally:
        for logger, level in zip(chatty, levels):
            logger.setLevel(level)
    info = getattr(model, "info", None)
    if info is not None:  # classes, palette and the input convention travel with the graph
        program.model.metadata_props[METADATA_KEY] = json.dumps(info.to_json())
    with replacing(path) as tmp:
        program.save(tmp, external_data=False)
    log.info("exported %s to %s", getattr(model, "arch", "model"), path)
    return path
