"""likelygrad: deep learning as maximum-likelihood estimation, with PyTorch's names.

import likelygrad as lg
x = lg.tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()        # x.grad == tensor([2., 4.])
"""

from __future__ import annotations

import builtins
import importlib
from typing import Any

from . import autograd
from .autograd import (
    enable_grad,
    inference_mode,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import device
from .creation import (
    arange,
    as_tensor,
    asarray,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)  # fmt: skip
from .devices import get_default_device, set_default_device
from .dtypes import (
    bool_ as bool,  # noqa: A004 (PyTorch's name)
)  # fmt: skip
from .dtypes import (
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from .dtypes import float32 as float  # noqa: A004
from .dtypes import int32 as int  # noqa: A004
from .functions import *  # noqa: F403 (every torch.* function form; see functions.py)
from .functions import cat, concatenate, max, maximum, min, minimum, stack, where
from .gradcheck import GradcheckError, gradcheck
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .random_tensors import rand, rand_like, randint, randint_like, randn, randn_like, randperm
from .tensor import Size, Tensor, is_tensor
from .threads import get_num_threads, set_num_threads

__version__ = "0.2.0"

# Submodules load on first use, so `import likelygrad` stays fast.
_LAZY = {
    "nn", "optim", "data", "likelihoods", "viz", "train", "metrics", "models", "utils",
    "distributed", "onnx", "sklearn", "cuda", "accelerator", "backends", "vision", "serialization",
    "linalg", "multiprocessing",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name == "explain":
        return importlib.import_module(".viz", __name__).explain
    if name in ("save", "load"):
        return getattr(importlib.import_module(".serialization", __name__), name)
    if name == "xpu":
        return importlib.import_module(".backends", __name__).xpu
    raise AttributeError(f"module 'likelygrad' has no attribute {name!r}")


def is_floating_point(input: Tensor) -> builtins.bool:
    return input.is_floating_point()


def numel(input: Tensor) -> builtins.int:
    return input.numel()


# torch.erf / torch.erfc, and torch.special's forms of them
from . import special  # noqa: E402

erf, erfc = Tensor.erf, Tensor.erfc
