"""Training and evaluation: the paper's recipes, a resumable trainer, metrics, torchrun.

Everything reports through events and honours a CancelToken, so the CLI and the GUI drive the
same code: `train(TrainConfig(...), on_event=print)`; `evaluate(model, dataset)`.
"""

import lazy_loader

from ..errors import RecipeError

# Names load on first use (PEP 562, through lazy_loader): importing the package costs nothing, so
# `fcn-studio --help` and the command line's argument checks never wait for PyTorch.
__getattr__, __dir__, _ = lazy_loader.attach(__name__, submod_attrs={
    "evaluate": ["Cancelled", "boundary_band", "evaluate"],
    "events": ["CancelToken", "CheckpointSaved", "EvalProgress", "Evaluated", "StageFinished", "StageStarted", "StepDone"],
    "recipes": ["PRESETS", "Recipe", "load_recipe", "save_recipe"],
    "run_folder": ["TrainConfig", "read_config"],
    "stages": ["resume", "stage_model", "train"],
})

__all__ = [
    "Cancelled", "CancelToken", "CheckpointSaved", "EvalProgress", "Evaluated", "PRESETS", "Recipe", "RecipeError",
    "StageFinished", "StageStarted", "StepDone", "TrainConfig", "boundary_band", "evaluate", "load_recipe",
    "read_config", "resume", "save_recipe", "stage_model", "train",
]
