"""Neural networks: modules, layers, initializers and the likelihood-based losses."""

from . import functional, init
from .conv import Conv1d, Conv2d, Conv3d
from .dropout2d import Dropout1d, Dropout2d
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
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from .sparse import Embedding

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
    # convolutional networks (conv.py, pooling.py, normalization.py, sparse.py, dropout2d.py)
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "BatchNorm1d",
    "BatchNorm2d", "BatchNorm3d", "Conv1d", "Conv2d", "Conv3d", "Dropout1d", "Dropout2d",
    "Embedding", "GroupNorm", "LayerNorm", "MaxPool1d", "MaxPool2d",
]  # fmt: skip
