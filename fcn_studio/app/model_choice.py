"""Which model a command uses: a path, a shipped model's stem, a catalogue name, or none (the default).

The default is the model picker's (`Catalog.default`), the same one the app starts with. A
catalogue name (`fcn8s-voc`, `vgg16-caffe`) is downloaded, checked and converted on first use
(`downloads.install`), so `segment --model fcn8s-voc` and `train --init vgg16-caffe` just work.
"""

from __future__ import annotations

from pathlib import Path

from ..engine import FCN, open_model
from ..errors import WeightFileError
from ..paths import models_dir
from .catalog import DEFAULT_MODEL, Catalog
from .downloads.entries import find_entry
from .downloads.fetch import ProgressCallback
from .downloads.install import download_path, install

STITCH_MODEL_NAME = "fcn32s"  # shift-and-stitch densifies a 32s net


def resolve_model(name: str | None, prefer: str = DEFAULT_MODEL, on_progress: ProgressCallback | None = None) -> FCN:
    """A path, the stem of a shipped model, a catalogue name, or None for the default one (`prefer`'s, if shipped).

    A file that cannot be opened, or a name that is none of these, raises WeightFileError.
    """
    catalog = Catalog()
    shipped = {entry.path.stem: entry.path for entry in catalog.entries}
    if name is None:
        entry = catalog.default(prefer)
        if entry is None:
            raise WeightFileError(models_dir(), "no model given and none shipped here; pass --model FILE")
        return open_model(entry.path)
    return open_model(model_file(name, shipped, on_progress))


def model_file(name: str, shipped: dict[str, Path] | None = None, on_progress: ProgressCallback | None = None) -> Path:
    """The file `name` stands for: itself if it exists, a shipped model, or a catalogue entry's converted file."""
    path = Path(name)
    if path.exists():
        return path
    shipped = {e.path.stem: e.path for e in Catalog().entries} if shipped is None else shipped
    if name in shipped:
        return shipped[name]
    entry = find_entry(name)
    if entry is None:
        raise WeightFileError(name, f"no such model file (shipped models: {', '.join(shipped) or 'none'}; "
                              "`fcn-studio models` lists the ones to download)")
    return install(entry, on_progress).path


def pretrained_file(name: str, on_progress: ProgressCallback | None = None) -> Path:
    """`--pretrained`: a torchvision ImageNet file, or a catalogue trunk in torchvision's convention.

    The Caffe VGG16 expects BGR 0–255 input, which `--pretrained` (torchvision's convention) would
    not give it; `--init` takes its converted model, input convention included.
    """
    if Path(name).exists():
        return Path(name)
    entry = find_entry(name)
    if entry is None or entry.kind != "trunk":
        raise WeightFileError(name, "no such file, nor an ImageNet trunk of the catalogue (`fcn-studio models`)")
    if entry.input != "torchvision":
        raise WeightFileError(name, f"expects {entry.input} input, not torchvision's; start from it with "
                              f"--init {entry.name} instead (its input convention comes along)")
    install(entry, on_progress)
    return download_path(entry)
