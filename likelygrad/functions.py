"""The `lg.*` functions of PyTorch: n-ary ones (`cat`, `stack`, `where`) and the function forms
of Tensor methods (`lg.exp(x)` is `x.exp()`), each a plain alias so `grep "exp ="` finds it."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dispatch as D
from . import elementwise as E
from . import shape_ops as SH
from .broadcasting import broadcast_shapes as broadcast_shapes
from .broadcasting import broadcast_tensors as broadcast_tensors
from .einsum import einsum as einsum
from .errors import EmptySequenceError
from .function_forms import *  # noqa: F403 (lg.exp(x) is x.exp(), ...)
from .random_sampling import bernoulli as bernoulli
from .random_sampling import multinomial as multinomial
from .random_sampling import normal as normal
from .tensor import Tensor
from .tensor_pointwise import xlogy as xlogy
from .tensor_stats import std_mean as std_mean
from .tensor_stats import var_mean as var_mean


def _tensors(xs: Sequence[Any], name: str) -> list[Tensor]:
    if isinstance(xs, Tensor):
        raise TypeError(f"{name}(): expected a sequence of tensors, got one tensor")
    if len(xs) == 0:
        raise EmptySequenceError(f"{name}(): expected a non-empty sequence of tensors")
    ts, _ = D.promote(name, *xs)
    return ts


def cat(
    tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None, out: Any = None
) -> Tensor:
    """Join tensors along an existing dimension (NumPy's concatenate)."""
    ts = _tensors(tensors, "cat")
    d = ts[0]._dim(dim if axis is None else axis)
    shapes = [t.shape for t in ts]
    for s in shapes[1:]:
        if len(s) != len(shapes[0]) or builtins.any(
            a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != d
        ):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dimension {d}: got shapes {shapes}"
            )
    return _out(D.apply(SH.Concatenate, *ts, axis=d), out)


concatenate = concat = cat


def stack(
    tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None, out: Any = None
) -> Tensor:
    """Join same-shaped tensors along a new dimension."""
    ts = _tensors(tensors, "stack")
    if len({t.shape for t in ts}) > 1:
        raise RuntimeError(
            f"stack expects each tensor to be equal size, but got {[t.shape for t in ts]}"
        )
    from .shape_ops import normalize_dim

    d = normalize_dim(dim if axis is None else axis, ts[0].ndim, extra=1)
    return _out(D.apply(SH.Stack, *ts, axis=d), out)


def hstack(tensors: Sequence[Any]) -> Tensor:
    ts = _tensors(tensors, "hstack")
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Any]) -> Tensor:
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in _tensors(tensors, "vstack")], 0)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """`input` where `condition` else `other`; the gradient flows only to the chosen branch.
    With one argument, the indices of the True elements (as `nonzero(as_tuple=True)`)."""
    cond = condition if isinstance(condition, Tensor) else D.make(np.asarray(condition), None)
    if input is None and other is None:
        return cond.nonzero(as_tuple=True)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = D.const(cond, input, D.dt.result_type(input, other))
    (x, y), _ = D.promote("where", input, other)
    from .index_args import on_device_of

    c = on_device_of(x, cond if cond.dtype.kind == "b" else cond != 0)
    try:
        return D.apply(E.Where, x, y, cond=c)
    except ValueError:
        raise ValueError(
            f"where: condition {tuple(cond.shape)}, input {tuple(x.shape)} and other "
            f"{tuple(y.shape)} cannot be "
            "broadcast together (sizes must match or be 1)"
        ) from None


def _out(result: Tensor, out: Any) -> Tensor:
    """PyTorch's `out=`: write the result into an existing tensor (resized if needed)."""
    if out is None:
        return result
    if out.shape != result.shape:
        out.array = D.backend_of(out.array).zeros_like(result.array)
    out.copy_(result)
    return out


def maximum(input: Tensor, other: Any, *, out: Any = None) -> Tensor:
    """Elementwise maximum; at ties each input gets half the gradient."""
    return _out(input.maximum(other), out)


def minimum(input: Tensor, other: Any, *, out: Any = None) -> Tensor:
    """Elementwise minimum; at ties each input gets half the gradient."""
    return _out(input.minimum(other), out)


def matmul(input: Tensor, other: Any, *, out: Any = None) -> Tensor:
    return _out(input.matmul(other), out)


def add(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    return _out(
        input.add(other, alpha=alpha) if isinstance(input, Tensor) else other.__radd__(input), out
    )


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    return _out(
        input.sub(other, alpha=alpha) if isinstance(input, Tensor) else other.__rsub__(input), out
    )


def mul(input: Any, other: Any, *, out: Any = None) -> Tensor:
    return _out(input * other if isinstance(input, Tensor) else other.__rmul__(input), out)


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Any = None) -> Tensor:
    x = input if isinstance(input, Tensor) else other._scalar(input)
    return _out(x.div(other, rounding_mode=rounding_mode), out)


def pow(input: Any, exponent: Any, *, out: Any = None) -> Tensor:  # noqa: A001
    return _out(input**exponent if isinstance(input, Tensor) else exponent.__rpow__(input), out)


def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Any = None) -> Tensor:  # noqa: A002
    return _out(input.clamp(min, max), out)


clip = clamp


def numel(input: Tensor) -> int:
    return input.numel()


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return input.flatten(start_dim, end_dim)


def allclose(
    input: Tensor, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> bool:
    """True if |input - other| <= atol + rtol |other| everywhere (torch's asymmetric test)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def isclose(
    input: Tensor, other: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Tensor:
    a, b = (
        np.asarray(input.numpy(force=True)),
        np.asarray(other.numpy(force=True) if isinstance(other, Tensor) else other),
    )
    return D.make(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), None).to(
        input.device
    )


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and elements."""
    return input.shape == other.shape and bool((input == other).all())


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:  # noqa: A001
    """The maximum; with a dim, (values, indices); with a tensor, the elementwise maximum."""
    return input.max(dim, keepdim, out=out)


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:  # noqa: A001
    """The minimum; with a dim, (values, indices); with a tensor, the elementwise minimum."""
    return input.min(dim, keepdim, out=out)


def norm(
    input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, out: Any = None,
    dtype: Any = None,
) -> Tensor:  # fmt: skip
    """torch.norm: a vector p-norm over `dim` (all elements by default), or p='nuc'."""
    return input.norm(p, dim, keepdim, dtype, out=out)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: with indexing 'ij' output k varies along dim k;
    'xy' swaps the first two dims (NumPy's and MATLAB's convention). Differentiable."""
    ts = (
        list(tensors[0])
        if len(tensors) == 1 and isinstance(tensors[0], list | tuple)
        else list(tensors)
    )
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid: indexing must be one of 'xy' or 'ij', got {indexing!r}")
    if builtins.any(t.ndim > 1 for t in ts):
        raise RuntimeError(
            f"meshgrid: expects 0-d or 1-d tensors, got shapes {[t.shape for t in ts]}"
        )
    ts = [t.reshape(-1) for t in ts]
    shape = [t.shape[0] for t in ts]
    if indexing == "xy" and len(ts) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for k, t in enumerate(ts):
        axis = {0: 1, 1: 0}.get(k, k) if indexing == "xy" and len(ts) >= 2 else k
        view = [1] * len(ts)
        view[axis] = t.shape[0]
        out.append(t.reshape(*view).expand(*shape))
    return tuple(out)


def searchsorted(
    sorted_sequence: Tensor, input: Any, *, out_int32: bool = False, right: bool = False,
    side: str | None = None, sorter: Any = None, out: Any = None,
) -> Tensor:  # fmt: skip
    """Where each value would be inserted into the sorted last dimension of
    `sorted_sequence` to keep it sorted: the first such position, or the last one with
    right=True (side='right'). Batched: leading dims of both must match."""
    if side is not None:
        if side not in ("left", "right") or (right and side == "left"):
            raise RuntimeError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        right = side == "right"
    seq = sorted_sequence
    if sorter is not None:
        seq = seq.gather(
            -1, sorter if isinstance(sorter, Tensor) else D.const(seq, np.asarray(sorter))
        )
    v = input if isinstance(input, Tensor) else D.const(seq, input)
    if seq.ndim > 1 and seq.shape[:-1] != v.shape[:-1]:
        raise RuntimeError(
            f"searchsorted: the leading dimensions of sorted_sequence {tuple(seq.shape)} and input "
            f"{tuple(v.shape)} must match"
        )
    (s, x), _ = D.promote("searchsorted", seq.detach(), v.detach())
    xp = D.backend_of(s.array)
    side_ = "right" if right else "left"
    # one binary search per row of the sequence (a 1-D sequence serves every value)
    rows = xp.reshape(s.array, (-1, s.shape[-1])) if s.ndim else xp.reshape(s.array, (1, 1))
    vals = xp.reshape(x.array, (rows.shape[0] if s.ndim > 1 else 1, -1))
    found = [xp.searchsorted(rows[i, ...], vals[i, ...], side=side_) for i in range(vals.shape[0])]
    index = xp.reshape(xp.stack(found) if found else vals, x.shape)
    dtype = D.dt.int32 if out_int32 else D.dt.int64
    return _out(D.make(xp.astype(index, xp.native_dtype(dtype)), None), out)


def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:  # fmt: skip
    """input.repeat_interleave(repeats, dim); with only a tensor of counts, 0, 1, 2, ...
    each repeated that many times."""
    if repeats is None:
        counts = input
        return D.const(counts, np.repeat(np.arange(counts.numel()), counts.numpy(force=True)))
    return input.repeat_interleave(repeats, dim, output_size=output_size)


__all__ = [
    n for n, v in list(globals().items())
    if not n.startswith("_") and callable(v) and n not in ("Any", "Sequence", "Tensor")
]  # fmt: skip
