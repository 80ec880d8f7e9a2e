"""Optimizers that fit parameters by maximum likelihood, with torch.optim's names and rules.

Each optimizer updates ``p.array`` (the parameter's memory) in place from ``p.grad`` for every
parameter ``p`` it was given; ``lr_scheduler`` adjusts the learning rate between epochs, and
``flatten_state`` / ``unflatten_state`` turn a ``state_dict()`` into plain arrays for a
checkpoint file.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .flatten import flatten_state, unflatten_state
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "LBFGS",
    "NAdam",
    "RMSprop",
    "Optimizer",
    "flatten_state",
    "lr_scheduler",
    "unflatten_state",
]
