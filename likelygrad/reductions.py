"""Reductions and the log-space primitives that keep likelihoods finite.

Same contract as `ops.py`: forward on arrays, backward returns the vector-Jacobian products.
`logsumexp`, `log_softmax` and the two fused log-likelihoods subtract the maximum before
exponentiating, so logits of ±1000 give finite values and gradients.
"""

from __future__ import annotations

import math

import numpy as np

from .ops import Op, sigmoid, softplus


def normalize_axis(axis: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """`axis` as a sorted tuple of non-negative axes (all axes for None); checks the range."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    if ndim == 0:  # like PyTorch, a 0-d tensor accepts axis 0 or -1: nothing to reduce
        if any(a not in (0, -1) for a in axes):
            raise ValueError(f"axis {axes} is out of range for a 0-d tensor (use 0, -1 or None)")
        return ()
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % ndim)
    return tuple(sorted(out))


def _expand(g: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Reshape a reduced gradient so it broadcasts against the input of the reduction."""
    return g if keepdims or not axes else np.expand_dims(g, axes)


class Sum(Op):  # z = Σ x over axes;  dz/dx_i = 1: the gradient is copied back along those axes
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = normalize_axis(axis, x.ndim)
        ctx.saved = (x.shape, axes, keepdims)
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        shape, axes, keepdims = ctx.saved
        return (np.broadcast_to(_expand(g, axes, keepdims), shape),)


class Mean(Op):  # z = (1/n) Σ x;  dz/dx_i = 1/n
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = normalize_axis(axis, x.ndim)
        ctx.saved = (x.shape, axes, keepdims)
        return x.mean(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        shape, axes, keepdims = ctx.saved
        n = int(np.prod([shape[a] for a in axes]))
        return (np.broadcast_to(_expand(g, axes, keepdims) / n, shape),)


def _max(x: np.ndarray, axes: tuple[int, ...] | int, op: str) -> np.ndarray:
    """The maximum over `axes` (keepdims), with a clear error for an empty tensor."""
    if x.size == 0:
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {x.shape}")
    return x.max(axis=axes, keepdims=True)


def _finite(m: np.ndarray) -> np.ndarray:
    """A max to subtract before exponentiating; where it is ±inf (a row of all -inf, or an inf)
    subtract 0 instead, so no inf - inf = nan appears."""
    return np.where(np.isfinite(m), m, 0)


class Max(Op):  # z = max x;  the gradient goes to the maximal entries, split evenly among ties
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = normalize_axis(axis, x.ndim)
        m = _max(x, axes, "max")
        ctx.saved = (x, m, axes, keepdims)
        return m if keepdims else np.squeeze(m, axis=axes)

    @staticmethod
    def backward(ctx, g):
        x, m, axes, keepdims = ctx.saved
        mask = x == m
        share = _expand(g, axes, keepdims) / mask.sum(axis=axes, keepdims=True, dtype=g.dtype)
        return (share * mask,)


def _logsumexp(x: np.ndarray, axes: tuple[int, ...], op: str = "logsumexp") -> np.ndarray:
    """log Σ e^x = m + log Σ e^(x - m) with m = max x (keepdims): no overflow, no log 0."""
    m = _finite(_max(x, axes, op))
    return m + np.log(np.exp(x - m).sum(axis=axes, keepdims=True))


class LogSumExp(Op):  # z = log Σ e^x;  dz/dx = e^(x - z) = softmax(x)
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = normalize_axis(axis, x.ndim)
        z = _logsumexp(x, axes)
        ctx.saved = (x, z, axes, keepdims)
        return z if keepdims else np.squeeze(z, axis=axes)

    @staticmethod
    def backward(ctx, g):
        x, z, axes, keepdims = ctx.saved
        return (_expand(g, axes, keepdims) * np.exp(x - z),)


class Softmax(Op):  # s = e^x / Σ e^x;  Jᵀg = s ⊙ (g - Σ g s)
    @staticmethod
    def forward(ctx, x, axis=-1):
        e = np.exp(x - _finite(_max(x, axis, "softmax")))
        s = e / e.sum(axis=axis, keepdims=True)
        ctx.saved = (s, axis)
        return s

    @staticmethod
    def backward(ctx, g):
        s, axis = ctx.saved
        return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)


class LogSoftmax(Op):  # z = x - logsumexp(x);  Jᵀg = g - softmax(x) Σ g
    @staticmethod
    def forward(ctx, x, axis=-1):
        z = x - _logsumexp(x, normalize_axis(axis, x.ndim), "log_softmax")
        ctx.saved = (z, axis)
        return z

    @staticmethod
    def backward(ctx, g):
        z, axis = ctx.saved
        return (g - np.exp(z) * g.sum(axis=axis, keepdims=True),)


def _total(out: np.ndarray, scale: float | None) -> np.ndarray:
    """Per-example values, or `scale` · their sum (scale = -1/N gives the mean NLL)."""
    return out if scale is None else np.asarray(out.sum() * scale, dtype=out.dtype)


def _log_softmax_rows(x: np.ndarray, guard: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(logsumexp of each row of a 2-D array, softmax of each row), shifted by the row max.

    NumPy reduces a short last axis slowly (it loops per row), so for few classes the rows are
    reduced across a transposed copy instead; the results are the same. `guard=False` skips
    `_finite` (a row max of ±inf then yields nan): only for callers that check their result.
    """
    if x.shape[1] <= 64:
        t = x.T.copy()
        m = np.maximum.reduce(t, axis=0)
        if guard:
            m = _finite(m)
        t -= m
        np.exp(t, out=t)
        s = np.add.reduce(t, axis=0)
        t /= s
        np.log(s, out=s)
        s += m
        return s, t.T
    m = x.max(axis=1, keepdims=True)
    if guard:
        m = _finite(m)
    e = np.exp(x - m)
    s = e.sum(axis=1, keepdims=True)
    e /= s
    return (m + np.log(s))[:, 0], e


class CategoricalLogProb(Op):
    """log p(y | logits) = logits[y] - logsumexp(logits), per example (classes on the last axis),
    or, given `scale`, scale · Σ_examples log p(y) (the mean NLL in one op, for speed).

    d/dlogits = onehot(y) - softmax(logits): the fused form costs one exp and no one-hot matrix.
    """

    @staticmethod
    def forward(ctx, logits, labels=None, scale=None):
        k = logits.shape[-1]
        flat = logits.reshape(-1, k)
        idx = labels.reshape(-1)
        rows = np.arange(flat.shape[0])
        picked = flat[rows, idx]
        if scale is None:
            lse, p = _log_softmax_rows(flat)
            out = picked - lse
        else:  # a finite total proves every row max was finite, so the guard can wait
            for guard in (False, True):  # an inf or nan somewhere: redo it guarded
                lse, p = _log_softmax_rows(flat, guard)
                out = np.add.reduce(picked - lse) * scale
                if math.isfinite(out):
                    break
            out = np.asarray(out, dtype=flat.dtype)
        if ctx.needs[0]:
            ctx.saved = (p, idx, rows, logits.shape, scale)
        return out.reshape(labels.shape) if scale is None else out

    @staticmethod
    def backward(ctx, g):
        p, idx, rows, shape, scale = ctx.saved
        g = g.reshape(-1) if scale is None else g * scale  # per-row weights, or one scalar
        grad = p * (-g[:, None] if scale is None else -g)
        grad[rows, idx] += g
        return (grad.reshape(shape),)


class BernoulliLogProb(Op):
    """log p(y | logit l) = y log σ(l) + (1 - y) log(1 - σ(l)) = y l - softplus(l), per element,
    or, given `scale`, scale · Σ log p(y).

    d/dl = y - σ(l);  d/dy = l (only needed for soft, learned targets).
    """

    @staticmethod
    def forward(ctx, logits, y, scale=None):
        ctx.saved = (logits, y, scale)
        out = y * logits - softplus(logits)
        return _total(out, scale)

    @staticmethod
    def backward(ctx, g):
        logits, y, scale = ctx.saved
        if scale is not None:
            g = g * scale
        gl = g * (y - sigmoid(logits)) if ctx.needs[0] else None
        return gl, (g * logits if ctx.needs[1] else None)
