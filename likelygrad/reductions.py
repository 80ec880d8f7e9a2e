"""Reductions: sums, means, maxima and the log-sum-exp that keeps likelihoods finite.

Same contract as `ops.py`: forward on arrays with `xp = ctx.xp`, backward returns the VJPs.
`logsumexp` subtracts the maximum before exponentiating, so logits of ±1000 give finite values
and gradients. Softmax and the fused log-likelihoods live in `softmax.py`.
"""

from __future__ import annotations

import math
from typing import Any

from .ops import Op


def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    """`axis` (an int, a tuple of ints, or None for all) as sorted non-negative axes.

    Raises IndexError (as PyTorch) naming the axis and the tensor's ndim when one is out of
    range, or when an axis is given twice.
    """
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if not isinstance(axis, tuple | list) else tuple(axis)
    bound = max(ndim, 1)  # like PyTorch, a 0-d tensor accepts dim 0 or -1
    out = []
    for a in axes:
        if isinstance(a, bool) or not hasattr(a, "__index__"):
            raise TypeError(f"dim must be an int or a tuple of ints, got {a!r}")
        a = a.__index__()
        if not -bound <= a < bound:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but "
                f"got {a}): the tensor has {ndim} dimension{'s' if ndim != 1 else ''}"
            )
        out.append(a % bound)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {axes}: an axis appears more than once in the list of dims")
    return tuple(sorted(out)) if ndim else ()


def expand(xp: Any, g: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    """Reshape a reduced gradient so it broadcasts against the input of the reduction."""
    if keepdims or not axes:
        return g
    for a in axes:  # sorted ascending, so each insertion lands at its final position
        g = xp.expand_dims(g, axis=a)
    return g


def check_nonempty(shape: tuple[int, ...], axes: tuple[int, ...], op: str) -> None:
    """A maximum over an empty dimension has no value: say which dimension."""
    for a in axes:
        if shape[a] == 0:
            raise IndexError(
                f"{op}(): Expected reduction dim {a} to have non-zero size (the tensor's shape "
                f"is {tuple(shape)})"
            )


class Sum(Op):  # z = Σ x over axes;  dz/dx_i = 1: the gradient is copied back along those axes
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = normalize_axis(axis, x.ndim)
        ctx.saved = (x.shape, axes, keepdims)
        return ctx.xp.sum(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        shape, axes, keepdims = ctx.saved
        return (ctx.xp.broadcast_to(expand(ctx.xp, g, axes, keepdims), shape),)


class Mean(Op):  # z = (1/n) Σ x;  dz/dx_i = 1/n
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = normalize_axis(axis, x.ndim)
        ctx.saved = (x.shape, axes, keepdims)
        return ctx.xp.mean(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        shape, axes, keepdims = ctx.saved
        n = math.prod(shape[a] for a in axes)
        return (ctx.xp.broadcast_to(expand(ctx.xp, g, axes, keepdims) / n, shape),)


class Amax(Op):  # z = max x over axes;  the gradient goes to the maxima, split evenly among ties
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, sign=1):
        xp = ctx.xp
        axes = normalize_axis(axis, x.ndim)
        check_nonempty(x.shape, axes, "amax" if sign > 0 else "amin")
        m = xp.max(x, axis=axes, keepdims=True) if sign > 0 else xp.min(x, axis=axes, keepdims=True)
        ctx.saved = (x, m, axes, keepdims)
        return m if keepdims else xp.squeeze(m, axis=axes)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, m, axes, keepdims = ctx.saved
        mask = xp.astype(x == m, g.dtype)
        count = xp.sum(mask, axis=axes, keepdims=True)
        return (expand(xp, g, axes, keepdims) / count * mask,)


def finite(xp: Any, m: Any) -> Any:
    """A max to subtract before exponentiating; where it is ±inf (a row of all -inf, or an inf)
    subtract 0 instead, so no inf - inf = nan appears."""
    return xp.where(xp.isfinite(m), m, xp.zeros_like(m))


def logsumexp(xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """log Σ e^x = m + log Σ e^(x - m) with m = max x (keepdims): no overflow, no log 0.

    Over an empty dimension the sum is 0, so the result is -inf (as PyTorch).
    """
    if any(x.shape[a] == 0 for a in axes):
        shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
        return xp.full(shape, -math.inf, dtype=x.dtype)
    m = finite(xp, xp.max(x, axis=axes, keepdims=True))
    return m + xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True))


class LogSumExp(Op):  # z = log Σ e^x;  dz/dx = e^(x - z) = softmax(x)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        xp = ctx.xp
        axes = normalize_axis(axis, x.ndim)
        z = logsumexp(xp, x, axes)
        ctx.saved = (x, z, axes, keepdims)
        return z if keepdims else xp.squeeze(z, axis=axes)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, z, axes, keepdims = ctx.saved
        return (expand(xp, g, axes, keepdims) * xp.exp(x - z),)
