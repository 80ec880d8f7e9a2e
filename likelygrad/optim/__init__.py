"""Optimizers that fit parameters by maximum likelihood, with torch.optim's names and rules.

Each optimizer updates ``p.array`` (the parameter's memory) in place from ``p.grad`` for every
parameter ``p`` it was given; ``lr_scheduler`` adjusts the learning rate between epochs, and
``flatten_state`` / ``unflatten_state`` turn a ``state_dict()`` into plain arrays for a
checkpoint file.
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .flatten import flatten_state, unflatten_state
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .sgd import SGD

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "LBFGS",
    "Optimizer",
    "flatten_state",
    "lr_scheduler",
    "unflatten_state",
]
