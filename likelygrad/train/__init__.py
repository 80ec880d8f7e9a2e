"""Fitting models by maximum likelihood: the loop, evaluation, checkpoints, progress."""

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .divergence import NonFiniteLossError
from .loop import History, as_likelihood, evaluate, fit, restore_training_state, training_state
from .progress import Progress

__all__ = [
    "CheckpointError",
    "History",
    "NonFiniteLossError",
    "Progress",
    "as_likelihood",
    "evaluate",
    "fit",
    "load_checkpoint",
    "restore_training_state",
    "save_checkpoint",
    "training_state",
]
