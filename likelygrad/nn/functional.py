"""Stateless layers and the PyTorch-named losses, each a negative mean log-likelihood.

Training a classifier with a "loss" is maximum likelihood written with a minus sign:
    binary_cross_entropy_with_logits(l, y) = -mean_i log p(y_i | l_i), p = Bernoulli(σ(l))
        where log ŷ^y (1 - ŷ)^(1-y) = y log ŷ + (1 - y) log(1 - ŷ)
    cross_entropy(l, y)                    = -mean_i log p(y_i | l_i), p = Categorical(softmax(l))
    gaussian_nll(μ, y, var)                = -mean_i log N(y_i; μ_i, var_i)
so `F.cross_entropy(logits, y)` equals `-Categorical(logits=logits).log_prob(y).mean()`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dispatch as D
from .. import ops
from ..likelihoods import Bernoulli, Categorical, Gaussian, class_labels, reduce_nll
from ..random import draw
from ..tensor import Tensor


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weightᵀ + bias, with weight shaped (out_features, in_features) as in PyTorch."""
    if input.array.dtype != weight.array.dtype:
        raise RuntimeError(
            f"linear: input is {input.dtype} but weight is {weight.dtype} (mat1 and mat2 must "
            f"have the same dtype); convert one, e.g. x.to({weight.dtype.name}) or model.to(...)"
        )
    if bias is None:
        return D.apply(ops.Linear, input, weight)
    return D.apply(ops.Linear, input, weight, bias)


def relu(x: Tensor) -> Tensor:
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def softplus(x: Tensor) -> Tensor:
    return x.softplus()


def log_sigmoid(x: Tensor) -> Tensor:
    return x.log_sigmoid()


logsigmoid = log_sigmoid


def softmax(x: Tensor, axis: int = -1, **torch_kw: Any) -> Tensor:
    return x.softmax(axis, **torch_kw)


def log_softmax(x: Tensor, axis: int = -1, **torch_kw: Any) -> Tensor:
    return x.log_softmax(axis, **torch_kw)


def dropout(
    x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, generator: Any = None
) -> Tensor:
    """Zero each element with probability `p` (the drop probability) and scale the rest by
    1/(1-p), so the expected value is unchanged; the identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    xp = D.backend_of(x.array)
    u = draw("random", x.shape, "float32", x.device, generator)
    keep = xp.astype(u >= p, x.array.dtype) * (1.0 / (1.0 - p))
    return x * D.make(keep, None)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-log p(target | logits) under a Bernoulli, averaged: -mean(y l - softplus(l))."""
    return Bernoulli(logits=input).nll(target, reduction)


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-log softmax(logits)[target], averaged: the Categorical negative log-likelihood.

    `input` is (N, K) logits (or (K,) for one example); `target` holds class indices.
    """
    return Categorical(logits=input).nll(target, reduction)


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-input[i, target_i] averaged: the Categorical NLL when `input` holds log-probabilities
    (from log_softmax). `cross_entropy` fuses the two and is the one to train with."""
    if input.ndim != 2:
        raise ValueError(f"nll_loss: log-probabilities need shape (N, K), got {input.shape}")
    labels = class_labels(target, input.shape, "nll_loss")
    return reduce_nll(input[np.arange(len(labels)), labels], reduction)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error (y - ŷ)²: twice the Gaussian NLL with σ = 1, less its constant."""
    target = target if isinstance(target, Tensor) else np.asarray(target, dtype=input.dtype)
    return reduce_nll(-((input - target) ** 2), reduction)


def gaussian_nll(
    input: Tensor, target: Any, var: Any, full: bool = True, eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """-log N(target; input, var): ½ log var + (target - input)²/(2 var) [+ ½ log 2π if full].

    With full=True (the default here) this is exactly -mean(Gaussian.log_prob); variances are
    clipped below at `eps`. `gaussian_nll_loss` has PyTorch's default, full=False.
    """
    if not isinstance(var, Tensor):
        var = D.const(input, np.asarray(var), input.dtype)
    var = var.clip(min=eps)
    lp = Gaussian(input, std=None, log_std=0.5 * var.log()).log_prob(target)
    if not full:
        lp = lp + 0.5 * math.log(2 * math.pi)
    return reduce_nll(lp, reduction)


def gaussian_nll_loss(
    input: Tensor, target: Any, var: Any, full: bool = False, eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """PyTorch's name and default (full=False: the constant ½ log 2π is left out)."""
    return gaussian_nll(input, target, var, full=full, eps=eps, reduction=reduction)


from .functional_conv import *  # noqa: E402, F403 (convolution, pooling, normalization)
