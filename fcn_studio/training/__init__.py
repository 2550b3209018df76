"""Training and evaluation: the paper's recipes, a resumable trainer, metrics, torchrun.

Everything reports through events and honours a CancelToken, so the CLI and the GUI drive the
same code: `train(TrainConfig(...), on_event=print)`; `evaluate(model, dataset)`.
"""

from ..errors import RecipeError
from .evaluate import Cancelled, boundary_band, evaluate
from .events import CancelToken, CheckpointSaved, EvalProgress, Evaluated, StageFinished, StageStarted, StepDone
from .recipes import PRESETS, Recipe, load_recipe, save_recipe
from .run_folder import TrainConfig, read_config
from .stages import resume, stage_model, train

__all__ = [
    "Cancelled", "CancelToken", "CheckpointSaved", "EvalProgress", "Evaluated", "PRESETS", "Recipe", "RecipeError",
    "StageFinished", "StageStarted", "StepDone", "TrainConfig", "boundary_band", "evaluate", "load_recipe",
    "read_config", "resume", "save_recipe", "stage_model", "train",
]
