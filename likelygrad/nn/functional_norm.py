"""Normalization layers, functionally: batch_norm, layer_norm and group_norm (PyTorch's
arguments and defaults). Each is `Normalize` (norm_ops.py) over its axes, then the affine
scale and shift y = γ x̂ + β as ordinary, differentiable multiplications and additions."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .. import dispatch as D
from ..autograd import no_grad
from ..conv_ops import ShapeError
from ..norm_ops import Normalize
from ..tensor import Tensor


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple) -> Tensor:
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel (dimension 1) of (N, C, ...) by its mean and variance over the
    batch and the other dimensions, then scale and shift.

    training: batch statistics (biased variance); the running averages, when given, move
    `momentum` of the way towards the batch's mean and unbiased variance, in place:
    r ← (1 - momentum) r + momentum · batch value. Otherwise the running averages are used.
    """
    if input.ndim < 2:
        raise ShapeError(
            f"batch_norm: input {tuple(input.shape)} needs at least 2 dimensions (N, C, ...)"
        )
    c = input.shape[1]
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if t is not None and t.shape != (c,):
            raise ShapeError(
                f"batch_norm: {name} has shape {tuple(t.shape)}, but input {tuple(input.shape)} "
                f"has {c} channels in dimension 1"
            )
    shape = (c,) + (1,) * (input.ndim - 2)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "batch_norm: running_mean and running_var must be given in "
                "evaluation mode (training=False)"
            )
        # (x - μ) / √(σ² + ε) · γ + β, with the per-channel factors folded: x · a + b
        scale = (running_var + eps).rsqrt()
        if weight is not None:
            scale = scale * weight
        shift = -running_mean * scale
        if bias is not None:
            shift = shift + bias
        return input * scale.reshape(shape) + shift.reshape(shape)
    n = input.numel() // c if c else 0
    if n == 0:  # an empty batch: an empty result; the running averages stay as they are
        return _affine(input * 1.0, weight, bias, shape)
    if n == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size "
            f"{list(input.shape)} (batch norm needs a batch: use batch size > 1, or "
            "call model.eval())"
        )
    stats: list = []
    y = D.apply(Normalize, input, axes=(0, *range(2, input.ndim)), eps=eps, stats=stats)
    if running_mean is not None or running_var is not None:
        mean, var = (D.make(a, None).reshape(c) for a in stats[0])
        with no_grad():  # the running averages are state, not part of the graph
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype) * momentum)
            if running_var is not None:  # the unbiased variance, as torch keeps
                unbiased = var.to(running_var.dtype) * (n / (n - 1))
                running_var.mul_(1 - momentum).add_(unbiased * momentum)
    return _affine(y, weight, bias, shape)


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the last len(normalized_shape) dimensions of each example, then scale and
    shift elementwise (weight and bias shaped `normalized_shape`)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k :]) != shape:
        raise ShapeError(
            f"layer_norm: given normalized_shape={list(shape)}, expected input with "
            f"shape [*, {', '.join(map(str, shape))}], but got input of size "
            f"{list(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise ShapeError(f"layer_norm: {name} has shape {tuple(t.shape)}, expected {shape}")
    y = D.apply(Normalize, input, axes=tuple(range(input.ndim - k, input.ndim)), eps=eps)
    return _affine(y, weight, bias, shape)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each example's channels in `num_groups` groups (over the group's channels and
    all positions), then scale and shift per channel."""
    if input.ndim < 2 or num_groups < 1 or input.shape[1] % num_groups:
        raise ShapeError(
            f"group_norm: expected an input (N, C, ...) whose C is divisible by "
            f"num_groups={num_groups}, got {tuple(input.shape)}"
        )
    n, c = input.shape[:2]
    grouped = input.reshape(n, num_groups, c // num_groups * math.prod(input.shape[2:]))
    y = D.apply(Normalize, grouped, axes=(2,), eps=eps).reshape(input.shape)
    return _affine(y, weight, bias, (c,) + (1,) * (input.ndim - 2))
