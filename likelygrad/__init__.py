"""likelygrad: deep learning as maximum-likelihood estimation, on NumPy.

import likelygrad as lg
x = lg.tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()        # x.grad == [2., 4.]
"""

from __future__ import annotations

import importlib
from typing import Any

from .autograd import enable_grad, is_grad_enabled, no_grad
from .backend import (
    default_generator,
    float32,
    float64,
    get_default_dtype,
    manual_seed,
    set_default_dtype,
)
from .functions import (
    cat,
    concatenate,
    from_numpy,
    maximum,
    minimum,
    ones,
    randn,
    stack,
    tensor,
    where,
    zeros,
)
from .gradcheck import GradcheckError, gradcheck
from .tensor import Tensor, clip

__version__ = "0.1.0"

# Submodules load on first use, so `import likelygrad` stays fast.
_LAZY = {"nn", "optim", "data", "likelihoods", "viz", "train", "metrics", "models"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name == "explain":
        return importlib.import_module(".viz", __name__).explain
    raise AttributeError(f"module 'likelygrad' has no attribute {name!r}")


__all__ = [
    "GradcheckError",
    "Tensor",
    "cat",
    "clip",
    "concatenate",
    "default_generator",
    "enable_grad",
    "float32",
    "float64",
    "from_numpy",
    "get_default_dtype",
    "gradcheck",
    "is_grad_enabled",
    "manual_seed",
    "maximum",
    "minimum",
    "no_grad",
    "ones",
    "randn",
    "set_default_dtype",
    "stack",
    "tensor",
    "where",
    "zeros",
]
