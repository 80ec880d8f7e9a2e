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

# PyTorch parity (issue 11): containers, activations, losses and utilities
from . import utils  # noqa: E402
from .activation import (  # noqa: E402
    CELU,
    ELU,
    GELU,
    SELU,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    ReLU6,
    SiLU,
    Softmax,
    Softmin,
    Threshold,
)
from .container import ModuleDict, ModuleList  # noqa: E402
from .layers import Unflatten  # noqa: E402
from .loss import (  # noqa: E402
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .parameter import Buffer  # noqa: E402
from .parameter_containers import ParameterDict, ParameterList  # noqa: E402

__all__ += [
    "BCELoss", "BCEWithLogitsLoss", "Buffer", "CELU", "CrossEntropyLoss", "ELU", "GELU",
    "GaussianNLLLoss", "Hardtanh", "HuberLoss", "KLDivLoss", "L1Loss", "LeakyReLU",
    "LogSigmoid", "LogSoftmax", "MSELoss", "Mish", "ModuleDict", "ModuleList", "NLLLoss",
    "ParameterDict", "ParameterList", "ReLU6", "SELU", "SiLU", "SmoothL1Loss", "Softmax",
    "Softmin", "Threshold", "Unflatten", "utils",
]  # fmt: skip

from . import parallel as parallel  # noqa: E402 (lg.nn.parallel.DistributedDataParallel)

# transposed convolutions and max-unpooling (conv_transpose.py, unpooling.py)
from .conv_transpose import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d  # noqa: E402
from .unpooling import MaxUnpool1d, MaxUnpool2d  # noqa: E402

__all__ += ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "MaxUnpool1d", "MaxUnpool2d"]

# more activations, distances and constant padding (activation.py, distance.py, padding.py)
from .activation import Hardsigmoid, Hardswish, PReLU  # noqa: E402
from .distance import CosineSimilarity, PairwiseDistance  # noqa: E402
from .padding import (  # noqa: E402
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)

__all__ += [
    "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "CosineSimilarity", "Hardsigmoid",
    "Hardswish", "PReLU", "PairwiseDistance", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
]  # fmt: skip
