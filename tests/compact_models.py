"""Compact FCN model files and small images for app and GUI tests (fast on two CPU cores)."""

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from fcn_studio.engine import ModelInfo, build_model, save_model

CLASSES = ["background", "disc", "ring", "bar"]
PALETTE = [[0, 0, 0], [220, 40, 40], [40, 200, 60], [50, 90, 230]]


def compact_model(arch: str, seed: int = 0, family: str | None = "t"):
    """A width-1/16 model whose score layers are random, so its labels are not all background.

    With one seed, every head has the same trunk and score_fr (they are built in the same
    order), so 16s and 8s differ from 32s only by what their skips add, as in the paper.
    """
    torch.manual_seed(seed)
    info = ModelInfo(arch=arch, num_classes=4, width=0.0625, class_names=list(CLASSES), palette=PALETTE,
                     recipe={"dataset": "synthetic scenes (test)"}, metrics={"mean_iu": 0.5},
                     notes={"family": family} if family else {})
    model = build_model(arch, num_classes=4, width=0.0625, info=info)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith("score_") and name.endswith("weight"):
                param.normal_(0, 0.5 if name.startswith("score_fr") else 0.25)
    return model


def write_family(folder: Path, family: str | None = "t") -> dict[str, Path]:
    """fcn32s/16s/8s files of one family in `folder`: {head: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for head, arch in (("32s", "fcn32s"), ("16s", "fcn16s"), ("8s", "fcn8s")):
        out[head] = save_model(compact_model(arch, 0, family), folder / f"{arch}.safetensors")
    return out


def write_image(path: Path, size: int = 64, seed: int = 0, mask: bool = False) -> Path:
    """A smooth-ish random RGB PNG (and `<stem>_mask.png`, an index PNG, when asked)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (size // 8, size // 8, 3), dtype=np.uint8)
    Image.fromarray(coarse).resize((size, size), Image.BILINEAR).save(path)
    if mask:
        labels = (np.arange(size)[None, :] // (size // 4)).repeat(size, 0).astype(np.uint8)
        Image.fromarray(labels, mode="L").save(path.with_name(f"{path.stem}_mask.png"))
    return path
