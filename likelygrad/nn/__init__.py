"""Neural networks: modules, layers, initializers and the likelihood-based losses."""

from . import functional, init
from .layers import (
    Dropout,
    Flatten,
    Identity,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Softplus,
    Tanh,
)
from .module import IncompatibleKeys, Module, Parameter

__all__ = [
    "Dropout",
    "Flatten",
    "Identity",
    "IncompatibleKeys",
    "Linear",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "functional",
    "init",
]

from . import parallel as parallel  # noqa: E402 (lg.nn.parallel.DistributedDataParallel)
