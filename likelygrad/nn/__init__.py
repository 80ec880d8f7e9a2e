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
