"""`lg.linalg`: norms of vectors and matrices, with PyTorch's names, defaults and gradients.

    vector_norm(x, ord=2, dim=None)    (Σ |x|^ord)^(1/ord) over dims (all by default)
    matrix_norm(A, ord="fro", dim=(-2, -1))   'fro', 'nuc', ±1, ±2, ±inf over two dims
    norm(A, ord=None, dim=None)        either, chosen as torch.linalg.norm chooses
    svdvals(A)                         the singular values, descending

A norm has a kink at 0; its gradient there is the subgradient 0, as in PyTorch (so the
gradient of ‖x‖ at x = 0 is 0, not nan).
"""

from __future__ import annotations

import math
from typing import Any

from . import dispatch as D
from .ops import Op
from .reductions import expand, normalize_axis


class VectorNorm(Op):
    """n = (Σ |x|^p)^(1/p) over axes (max |x| for p = inf, min for -inf, the count of nonzeros
    for p = 0). dn/dx = sign(x) |x|^(p-1) / n^(p-1): x/n for p = 2, sign(x) for p = 1, and for
    ±inf the sign at the extreme elements, split evenly among ties. 0 where n = 0."""

    saved_inputs = (0,)
    saves_output = True

    @staticmethod
    def forward(ctx, x, ord=2.0, axis=None, keepdims=False):
        xp = ctx.xp
        axes = normalize_axis(axis, x.ndim)
        a = xp.abs(x)
        if math.isinf(ord):
            if any(x.shape[a] == 0 for a in axes):
                raise RuntimeError(
                    "linalg.vector_norm cannot compute the inf norm on an empty tensor because "
                    f"the operation does not have an identity (shape {tuple(x.shape)})"
                )
            n = (xp.max if ord > 0 else xp.min)(a, axis=axes, keepdims=True)
        elif ord == 0:
            n = xp.sum(xp.astype(x != 0, x.dtype), axis=axes, keepdims=True)
        elif ord == 1:
            n = xp.sum(a, axis=axes, keepdims=True)
        elif ord == 2:
            n = xp.sqrt(xp.sum(x * x, axis=axes, keepdims=True))
        else:
            n = xp.sum(a**ord, axis=axes, keepdims=True) ** (1.0 / ord)
        ctx.saved = (x, n, float(ord), axes, keepdims)
        return n if keepdims else xp.squeeze(n, axis=axes)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, n, p, axes, keepdims = ctx.saved
        g = expand(xp, g, axes, keepdims)
        zero = xp.zeros_like(x)
        if p == 0:
            return (zero,)
        if p == 1:
            return (g * xp.sign(x),)
        a = xp.abs(x)
        if math.isinf(p):  # the extreme elements (or nan ones) share g
            hit = xp.astype((a == n) | xp.isnan(a), x.dtype)
            return (xp.sign(x) * (g / xp.sum(hit, axis=axes, keepdims=True)) * hit,)
        empty = n == 0
        safe_n = xp.where(empty, xp.ones_like(n), n)
        if p == 2:
            return (x * xp.where(empty, xp.zeros_like(n), g / safe_n),)
        if p < 1:  # |x|^(p-1) is infinite at x = 0: those elements get 0, as in torch
            scaled = xp.sign(x) * xp.where(
                x == 0, zero, xp.where(x == 0, xp.ones_like(a), a) ** (p - 1)
            )
            return (scaled * g * n ** (1 - p),)
        scaled = xp.sign(x) * a ** (p - 1)
        return (scaled * xp.where(empty, xp.zeros_like(n), g / safe_n ** (p - 1)),)


class SingularValues(Op):  # σ(A), descending;  dσ_i/dA = u_i v_iᵀ, so Jᵀg = U diag(g) Vᴴ
    @staticmethod
    def forward(ctx, a):
        u, s, vh = ctx.xp.linalg.svd(a, full_matrices=False)
        ctx.saved = (u, vh)
        return s

    @staticmethod
    def backward(ctx, g):
        u, vh = ctx.saved
        return (ctx.xp.matmul(u * g[..., None, :], vh),)


def svdvals(A: Any) -> Any:
    """The singular values of A (..., m, n), in descending order; differentiable (distinct
    singular values give well-defined gradients)."""
    if A.ndim < 2:
        raise RuntimeError(
            f"linalg.svdvals: A must have at least 2 dimensions, got {tuple(A.shape)}"
        )
    return D.apply(SingularValues, _floating(A, None, "linalg.svdvals"))


def _floating(x: Any, dtype: Any, name: str) -> Any:
    x = x if dtype is None else x.to(dtype)
    if x.dtype.kind not in "fc":
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {x.dtype} "
            "(convert first, e.g. x.float())"
        )
    return x


def vector_norm(
    x: Any, ord: float = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Any:
    """(Σ |x|^ord)^(1/ord) over `dim` (every dimension by default); ord may be inf, -inf, 0."""
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    x = _floating(x, dtype, "linalg.vector_norm")
    return D.apply(VectorNorm, x, ord=float(ord), axis=dim, keepdims=keepdim)


def matrix_norm(
    A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *, dtype: Any = None
) -> Any:
    """A matrix norm over the two dims `dim`: 'fro', 'nuc' (Σ σ), 2 (σ_max), -2 (σ_min),
    1 (max column |·| sum), -1 (min column sum), inf (max row sum), -inf (min row sum)."""
    A = _floating(A, dtype, "linalg.matrix_norm")
    if A.ndim < 2:
        raise RuntimeError(
            f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions (got shape "
            f"{tuple(A.shape)}); use vector_norm for vectors"
        )
    dims = tuple(dim) if isinstance(dim, tuple | list) else (dim,)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dims}")
    d0, d1 = (A._dim(d) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord == "nuc" or ord in (2, -2):
        rest = [i for i in range(A.ndim) if i not in (d0, d1)]
        s = svdvals(A.permute(*rest, d0, d1))
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(
            f"linalg.matrix_norm: Order {ord} not supported: use 'fro', 'nuc', 1, -1, 2, -2, "
            "inf or -inf"
        )
    if math.isinf(ord):  # the max row sum: the 1-norm of the transpose
        d0, d1 = d1, d0
    sums = A.abs().sum(d0, keepdim=True)
    out = sums.amax(d1, keepdim=True) if ord > 0 else sums.amin(d1, keepdim=True)
    return out if keepdim else out.squeeze((d0, d1))


def norm(
    A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None
) -> Any:
    """torch.linalg.norm: a vector norm for one dim (or all of them when ord is None), a
    matrix norm for two dims or a 2-D input with an ord."""
    dims = None if dim is None else tuple(dim) if isinstance(dim, tuple | list) else (dim,)
    if dims is not None and len(dims) not in (1, 2):
        raise RuntimeError(
            f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}"
        )
    if dims is None and (ord is not None) and A.ndim not in (1, 2):
        raise RuntimeError(
            "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
            f"Got {A.ndim}D."
        )
    if isinstance(ord, str) or (
        ord is not None and (len(dims) == 2 if dims is not None else A.ndim == 2)
    ):
        return matrix_norm(A, ord, dims if dims is not None else (0, 1), keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


def tensor_norm(
    x: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None
) -> Any:
    """torch.norm / Tensor.norm: p='fro' (or a number) is a vector norm over `dim` (all dims
    by default), p='nuc' a matrix norm."""
    dims = None if dim is None else [dim] if isinstance(dim, int) else list(dim)
    if isinstance(p, str):
        if p == "fro" and (dims is None or len(dims) <= 2):
            return vector_norm(x, 2, dims, keepdim, dtype=dtype)
        return matrix_norm(
            x, p, dims if dims is not None else list(range(x.ndim)), keepdim, dtype=dtype
        )
    return vector_norm(x, 2.0 if p is None else p, dims, keepdim, dtype=dtype)
