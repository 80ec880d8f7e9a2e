"""Regression losses and the KL divergence, each minus a log-likelihood up to constants
(PyTorch's names, arguments and semantics):

    mse_loss(μ, y)          (y - μ)²        = -log N(y; μ, σ² = ½) - ½ log π
    l1_loss(μ, y)           |y - μ|         = -log Laplace(y; μ, b = 1) - log 2
    smooth_l1_loss, huber_loss              -log of Huber's density ∝ e^{-ρ(y - μ)}: Gaussian in
                                            the middle, Laplace in the tails (robust to outliers)
    gaussian_nll_loss(μ, y, σ²)             -log N(y; μ, σ²) (+ ½ log 2π when full=True)
    kl_div(log p, q)        Σ q log q - Σ q log p: the expected NLL of the model p under data
                            distributed as q, less q's entropy (a constant in p)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import dispatch as D
from ..functions import where
from ..tensor import Size, Tensor
from .loss_targets import as_target, reduced, reduction_of

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _pair(input: Tensor, target: Any) -> Tensor:
    """The target as a tensor like input's, warning as torch does when the shapes differ
    (they are broadcast, which is rarely what was meant)."""
    y = as_target(target, input)
    if y.shape != input.shape:
        warnings.warn(
            f"Using a target size ({Size(y.shape)!r}) that is different to the input size "
            f"({Size(input.shape)!r}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )
    return y


def _weighted(loss: Tensor, weight: Any, input: Tensor, reduction: str, by_weight: bool) -> Tensor:
    """loss·weight, reduced; 'mean' divides by Σ weight (mse, l1) or by the count (huber)."""
    if weight is None:
        return reduced(loss, reduction)
    w = as_target(weight, input)
    if w.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * w
    if reduction == "mean" and by_weight:
        return loss.sum() / w.sum()
    return reduced(loss, reduction)


def mse_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """(input - target)²: the Gaussian negative log-likelihood with variance ½, less ½ log π."""
    reduction = reduction_of(size_average, reduce, reduction)
    d = input - _pair(input, target)
    return _weighted(d * d, weight, input, reduction, by_weight=True)


def l1_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """|input - target|: the Laplace negative log-likelihood with scale 1, less log 2."""
    reduction = reduction_of(size_average, reduce, reduction)
    d = input - _pair(input, target)
    return _weighted(d.abs(), weight, input, reduction, by_weight=True)


def smooth_l1_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """½ d²/β where |d| < β, else |d| - ½β (d = input - target); l1_loss when β = 0."""
    reduction = reduction_of(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - _pair(input, target)
    ad = d.abs()
    if beta == 0:
        return reduced(ad, reduction)
    return reduced(where(ad < beta, (0.5 / beta) * d * d, ad - 0.5 * beta), reduction)


def huber_loss(
    input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0, weight: Any = None
) -> Tensor:
    """½ d² where |d| < δ, else δ(|d| - ½δ): smooth_l1_loss times δ (with β = δ)."""
    reduction = reduction_of(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = input - _pair(input, target)
    ad = d.abs()
    loss = where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
    return _weighted(loss, weight, input, reduction, by_weight=False)


def gaussian_nll_loss(
    input: Tensor,
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """-log N(target; input, var) = ½ (log var + (target - input)²/var) [+ ½ log 2π if full].

    `var` has input's shape, or one dimension less / a last dimension of 1 (one variance per
    example), or is a float. Negative variances raise; variances below `eps` are raised to eps
    in value only, so their gradient still flows (as torch's no_grad clamp).
    """
    if isinstance(var, int | float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        v = D.const(input, np.full(input.shape, float(var)), input.dtype)
    else:
        v = as_target(var, input)
        if v.numel() and bool((v < 0).any()):
            raise ValueError("var has negative entry/entries")
    if v.shape != input.shape:
        if input.shape[:-1] == v.shape:  # one variance per example: broadcast over the last
            v = v.unsqueeze(-1)
        elif not (
            input.ndim == v.ndim and sum(b for a, b in zip(input.shape, v.shape) if a != b) == 1
        ):
            raise ValueError(
                f"var is of incorrect size: {tuple(v.shape)} for input {tuple(input.shape)} (give "
                "input's "
                "shape, input's shape without its last dimension, or that dimension as 1)"
            )
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    v = v + (v.detach().clamp(min=eps) - v.detach())  # clamped values, the identity's gradient
    d = input - as_target(target, input)
    loss = 0.5 * (v.log() + d * d / v)
    if full:
        loss = loss + _HALF_LOG_2PI
    return reduced(loss, reduction)


def gaussian_nll(
    input: Tensor, target: Any, var: Any, full: bool = True, eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:  # fmt: skip
    """gaussian_nll_loss with full=True by default: exactly -mean(Gaussian.log_prob)."""
    return gaussian_nll_loss(input, target, var, full=full, eps=eps, reduction=reduction)


def kl_div(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Σ q (log q - input) with input = log p (pointwise; q = target, or e^target if log_target).

    reduction='batchmean' divides the sum by the batch size (the true KL per example); 'mean'
    divides by the number of elements, as torch does (with its warning).
    """
    batchmean = reduction == "batchmean"
    if size_average is not None or reduce is not None:
        reduction = reduction_of(size_average, reduce, "mean")
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            stacklevel=2,
        )
    elif not batchmean:
        reduction = reduction_of(None, None, reduction)
    t = as_target(target, input)
    if log_target:
        loss = t.exp() * (t - input)
    else:  # xlogy(q, q) - q·input: q log q taken as 0 at q = 0 (nan below 0, as torch)
        pos = t > 0
        q_log_q = where(pos, t * where(pos, t, 1.0).log(), where(t == 0, 0.0, math.nan))
        loss = q_log_q - t * input
    if batchmean:
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return reduced(loss, reduction)
