"""Reductions: sums, means, maxima and the log-sum-exp that keeps likelihoods finite.

Same contract as `ops.py`: forward on arrays with `xp = ctx.xp`, backward returns the VJPs.
`logsumexp` subtracts the maximum before exponentiating, so logits of ±1000 give finite values
and gradients. Softmax and the fused log-likelihoods live in `softmax.py`.
"""

from __future__ import annotations

import math
from typing import Any

from .ops import Op
from .shape_ops import normalize_dim


def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    """`axis` (an int, a tuple of ints, or None for all) as sorted non-negative axes.

    Each axis goes through `shape_ops.normalize_dim`, the one place an out-of-range dim raises
    (an IndexError naming the dim and the tensor's ndim); an axis given twice is an error too.
    """
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if not isinstance(axis, tuple | list) else tuple(axis)
    out = [normalize_dim(a, ndim) for a in axes]
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
        if math.prod(x.shape[a] for a in axes) == 0:  # the mean of nothing is nan (no warning)
            return ctx.xp.sum(x, axis=axes, keepdims=keepdims) * math.nan
        return ctx.xp.mean(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        shape, axes, keepdims = ctx.saved
        n = math.prod(shape[a] for a in axes)
        if n == 0:  # no element received a share
            return (xp.zeros(shape, dtype=g.dtype, device=getattr(g, "device", None)),)
        return (xp.broadcast_to(expand(xp, g, axes, keepdims) / n, shape),)


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
        return xp.full(shape, -math.inf, dtype=x.dtype, device=getattr(x, "device", None))
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


def to_last(xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
    """x with `axes` moved to the end and merged into one (the kept axes first, in order)."""
    keep = tuple(i for i in range(x.ndim) if i not in axes)
    x = xp.permute_dims(x, keep + axes)
    return xp.reshape(x, (*x.shape[: len(keep)], math.prod(x.shape[len(keep) :])))


def from_last(xp: Any, y: Any, shape: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    """The inverse of `to_last`: y back to `shape`, the merged axes returned to their places."""
    keep = tuple(i for i in range(len(shape)) if i not in axes)
    order = keep + axes
    y = xp.reshape(y, tuple(shape[i] for i in order))
    return xp.permute_dims(y, tuple(order.index(i) for i in range(len(shape))))


def exclusive_cumprod(xp: Any, x: Any) -> Any:
    """Products of everything before each element along the last axis (1 for the first)."""
    ones = xp.ones((*x.shape[:-1], 1), dtype=x.dtype, device=getattr(x, "device", None))
    return xp.cumprod(xp.concat([ones, x[..., :-1]], axis=-1), axis=-1)


class Prod(Op):  # z = Π x over axes;  dz/dx_i = Π_{j≠i} x_j (exact at zeros, no division)
    saved_inputs = (0,)
    saves_output = True

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = normalize_axis(axis, x.ndim)
        z = ctx.xp.prod(x, axis=axes, keepdims=True)
        ctx.saved = (x, z, axes, keepdims)
        return z if keepdims else ctx.xp.squeeze(z, axis=axes)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, z, axes, keepdims = ctx.saved
        g = expand(xp, g, axes, keepdims)
        if not bool(xp.any(x == 0)):
            return (g * (z / x),)  # Π_{j≠i} x_j = z / x_i when nothing is 0 (torch's form)
        # with zeros: the product of the elements before i times the product of those after i
        flat = to_last(xp, x, axes)
        before = exclusive_cumprod(xp, flat)
        after = xp.flip(exclusive_cumprod(xp, xp.flip(flat, axis=-1)), axis=-1)
        return (g * from_last(xp, before * after, x.shape, axes),)


def reverse_cumsum(xp: Any, g: Any, axis: int) -> Any:
    """Σ_{k ≥ i} g_k along `axis`: what each element of a running sum feeds."""
    return xp.flip(xp.cumsum(xp.flip(g, axis=axis), axis), axis=axis)


class Cumsum(Op):  # z_k = Σ_{i ≤ k} x_i;  dL/dx_i = Σ_{k ≥ i} g_k (a running sum from the end)
    @staticmethod
    def forward(ctx, x, axis=0):
        ctx.saved = axis
        xp = ctx.xp
        if x.ndim == 0:
            return xp.asarray(x, copy=True)
        d = xp.dtype_of(x)
        if d.kind == "f" and d.itemsize < 8:  # torch's CPU kernel accumulates in double: no drift
            return xp.astype(xp.cumsum(xp.astype(x, xp.float64), axis), x.dtype)
        return xp.cumsum(x, axis)

    @staticmethod
    def backward(ctx, g):
        return (g if g.ndim == 0 else reverse_cumsum(ctx.xp, g, ctx.saved),)


class Cumprod(Op):
    """z_k = Π_{i ≤ k} x_i;  dL/dx_i = Σ_{k ≥ i} g_k z_k / x_i where no zero came before.

    At the first zero (position f) the division is undefined: there the derivative is
    Σ_{k ≥ f} g_k Π_{i ≤ k, i ≠ f} x_i, a running product with x_f replaced by 1; after it
    every z_k has the zero as a factor twice over (or a later zero), so the gradient is 0.
    """

    saved_inputs = (0,)
    saves_output = True

    @staticmethod
    def forward(ctx, x, axis=0):
        xp = ctx.xp
        z = xp.asarray(x, copy=True) if x.ndim == 0 else xp.cumprod(x, axis)
        ctx.saved = (x, z, axis)
        return z

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, z, axis = ctx.saved
        if x.ndim == 0:
            return (g,)
        zero = x == 0
        if not bool(xp.any(zero)):
            return (reverse_cumsum(xp, g * z, axis) / x,)
        seen = xp.cumsum(xp.astype(zero, xp.int64), axis)
        before, first = seen == 0, zero & (seen == 1)
        one = xp.ones_like(x)
        at_first = reverse_cumsum(xp, g * xp.cumprod(xp.where(first, one, x), axis), axis)
        early = reverse_cumsum(xp, g * z, axis) / xp.where(before, x, one)
        return (xp.where(before, early, xp.where(first, at_first, xp.zeros_like(x))),)


class OmitNan(Op):  # y = x where x is not nan, else 0 (what nansum and nanmean sum)
    # dy/dx = [x is not nan], multiplied as torch does: a gradient that is itself inf or nan
    # (nanmean's 1/0 over an all-nan slice) gives nan at the omitted elements, not 0
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        ctx.saved = x
        return xp.where(xp.isnan(x), xp.zeros_like(x), x)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        return (g * xp.astype(xp.logical_not(xp.isnan(ctx.saved)), g.dtype),)
