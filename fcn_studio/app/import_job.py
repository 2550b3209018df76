"""Weights trained elsewhere (pytorch-fcn .pth, the reference Caffe .caffemodel) converted into our
.safetensors format with metadata: `import_weights` is what `fcn-studio import-weights` and the
window's File ▸ Import weights… both call; ImportWeightsJob runs it off the GUI thread.

Nothing is downloaded; the user brings the file.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from ..engine import ModelInfo, open_model, save_model
from ..engine.registry import IMPORT_ARCHES as IMPORT_ARCHES  # the window's choices too (gui/ reaches the engine through app/)
from ..errors import FileProblem, OutputError, WeightFileError
from ..paths import models_dir
from .jobs import CancelToken, Job, Lane

IMPORT_FILTER = "Weights to import (*.pth *.pt *.tar *.caffemodel);;All files (*)"
USER_MODELS = Path.home() / "fcn-studio-models"


@dataclass(frozen=True)
class Imported:
    source: Path
    path: Path
    info: ModelInfo

    def summary(self) -> str:
        info = self.info
        return f"{self.source} → {self.path} ({info.arch}, {info.num_classes} classes, input {info.input.channel_order})"


def import_weights(src: str | Path, dst: str | Path, arch: str | None = None, overwrite: bool = True) -> Imported:
    """Read `src` (forcing `arch` if given), write `dst` (.safetensors); WeightFileError names the file."""
    src, dst = Path(src), Path(dst)
    if dst.suffix.lower() != ".safetensors":
        raise WeightFileError(dst, "the converted model must be a .safetensors file")
    if not overwrite and dst.exists():
        raise WeightFileError(dst, "already exists; choose another name")
    model = open_model(src, arch)
    return Imported(src, save_model(model, dst), model.info)


def model_folders() -> list[Path]:
    """Where an imported model may go: the shipped models' folder, then the user's own."""
    return [models_dir(), USER_MODELS]


class ImportWeightsJob(Job):
    """import_weights on a worker: returns Imported; a FileProblem naming the file otherwise."""

    title = "import weights"
    lane = Lane.OPEN

    def __init__(self, src: str | Path, dst: str | Path, arch: str | None = None):
        self.src, self.dst, self.arch = Path(src), Path(dst), arch

    def run(self, cancel: CancelToken | None = None) -> Generator[object, None, Imported]:
        yield from ()  # one step: nothing to report on the way
        try:
            self.dst.parent.mkdir(parents=True, exist_ok=True)
            return import_weights(self.src, self.dst, self.arch, overwrite=False)
        except OSError as exc:
            raise OutputError(self.dst.parent, f"cannot create the folder ({exc.strerror or exc})") from None
        except FileProblem:
            raise
        except (ValueError, KeyError, RuntimeError) as exc:  # the importers' own complaints: name the file
            raise WeightFileError(self.src, str(exc)) from None
