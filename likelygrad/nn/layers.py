"""Layers: `Linear` (a row of logistic-regression units before their σ), dropout, and the
shape layers Identity, Flatten and Unflatten."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..dtypes import as_dtype, get_default_dtype
from ..random import numpy_rng
from ..tensor import Tensor
from . import functional as F
from . import init
from .activation import ReLU, Sigmoid, Softplus, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .module import Module, Parameter
from .parameter_containers import ParameterDict, ParameterList

__all__ = [  # the activations and containers are re-exported for older imports
    "Dropout",
    "Flatten",
    "Identity",
    "Linear",
    "ModuleDict",
    "ModuleList",
    "ParameterDict",
    "ParameterList",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softplus",
    "Tanh",
    "Unflatten",
]


class Linear(Module):
    """y = x Wᵀ + b, W of shape (out_features, in_features) as in PyTorch.

    Initialized as PyTorch does: W and b ~ U(-1/√in, 1/√in) (kaiming_uniform_ with a = √5).
    Followed by a sigmoid, each output unit is one logistic regression:
    h_j = σ(Σ_i x_i θ_ij).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear({in_features}, {out_features}): sizes must be non-negative")
        self.in_features, self.out_features = in_features, out_features
        dtype = as_dtype(dtype) if dtype is not None else get_default_dtype()
        rng = numpy_rng(generator)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if bias:
            bound = 1 / math.sqrt(in_features) if in_features else 0.0
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
            init.uniform_(self.bias, -bound, bound, generator=rng)
        else:
            self.register_parameter("bias", None)
        if device is not None:
            self.to(device)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={bias}"


class Identity(Module):
    """Returns its input; any constructor arguments are ignored (as torch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Dropout(Module):
    """Zeroes each element with probability `p` (the probability of DROPPING, as in PyTorch)
    during training and scales the survivors by 1/(1-p); does nothing in eval mode.
    `generator=` (not in torch) draws the masks from a given generator."""

    def __init__(self, p: float = 0.5, inplace: bool = False, generator: Any = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace, self.generator = p, inplace, generator

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one (default: all but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension `dim` into `unflattened_size` (a tuple of ints; one may be -1)."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        if isinstance(dim, str):
            raise TypeError(
                "Unflatten: named dimensions need named tensors, which likelygrad does not have; "
                "give dim as an int"
            )
        if not isinstance(unflattened_size, tuple | list):
            raise TypeError(
                "unflattened_size must be a tuple of ints, but found type "
                f"{type(unflattened_size).__name__}"
            )
        for i, n in enumerate(unflattened_size):
            if not isinstance(n, int):
                raise TypeError(
                    "unflattened_size must be tuple of ints, but found element of type "
                    f"{type(n).__name__} at pos {i}"
                )
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
