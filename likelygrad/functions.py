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
from .tensor import Tensor


def _tensors(xs: Sequence[Any], name: str) -> list[Tensor]:
    if isinstance(xs, Tensor) or len(xs) == 0:
        raise TypeError(f"{name}(): expected a non-empty sequence of tensors")
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
    from .tensor_index import on_device_of

    c = on_device_of(x, cond if cond.dtype.kind == "b" else cond != 0)
    try:
        return D.apply(E.Where, x, y, cond=c)
    except ValueError:
        raise ValueError(
            f"where: condition {cond.shape}, input {x.shape} and other {y.shape} cannot be "
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


# the function forms of Tensor methods
clip, clamp_min, clamp_max = clamp, Tensor.clamp_min, Tensor.clamp_max
exp, expm1, log, log1p, log2, log10 = (
    Tensor.exp,
    Tensor.expm1,
    Tensor.log,
    Tensor.log1p,
    Tensor.log2,
    Tensor.log10,
)
sqrt, rsqrt, square, abs, sign = Tensor.sqrt, Tensor.rsqrt, Tensor.square, Tensor.abs, Tensor.sign  # noqa: A001
sin, cos, tan, tanh, sigmoid, relu = (
    Tensor.sin,
    Tensor.cos,
    Tensor.tan,
    Tensor.tanh,
    Tensor.sigmoid,
    Tensor.relu,
)
floor, ceil, round, trunc, frac = Tensor.floor, Tensor.ceil, Tensor.round, Tensor.trunc, Tensor.frac  # noqa: A001
neg, negative, reciprocal, remainder, fmod = (
    Tensor.neg,
    Tensor.neg,
    Tensor.reciprocal,
    Tensor.remainder,
    Tensor.fmod,
)
true_divide, floor_divide = Tensor.div, Tensor.floor_divide
sum, mean, amax, amin, logsumexp = (
    Tensor.sum,
    Tensor.mean,
    Tensor.amax,
    Tensor.amin,
    Tensor.logsumexp,
)  # noqa: A001
var, std, argmax, argmin = Tensor.var, Tensor.std, Tensor.argmax, Tensor.argmin
all, any, count_nonzero = Tensor.all, Tensor.any, Tensor.count_nonzero  # noqa: A001
softmax, log_softmax = Tensor.softmax, Tensor.log_softmax
mm, bmm, mv, dot = Tensor.mm, Tensor.bmm, Tensor.mv, Tensor.dot
isnan, isinf, isfinite = Tensor.isnan, Tensor.isinf, Tensor.isfinite
eq, ne, lt, le, gt, ge = Tensor.eq, Tensor.ne, Tensor.lt, Tensor.le, Tensor.gt, Tensor.ge
logical_not, logical_and, logical_or = Tensor.logical_not, Tensor.logical_and, Tensor.logical_or
reshape, squeeze, unsqueeze, permute, transpose = (
    Tensor.reshape,
    Tensor.squeeze,
    Tensor.unsqueeze,
    Tensor.permute,
    Tensor.transpose,
)
swapaxes = swapdims = Tensor.transpose
movedim = moveaxis = Tensor.movedim
t, flip, narrow, select, split, chunk, unbind = (
    Tensor.t,
    Tensor.flip,
    Tensor.narrow,
    Tensor.select,
    Tensor.split,
    Tensor.chunk,
    Tensor.unbind,
)
tile, tensor_split = Tensor.tile, Tensor.tensor_split
gather, index_select, masked_fill, masked_select, nonzero = (
    Tensor.gather,
    Tensor.index_select,
    Tensor.masked_fill,
    Tensor.masked_select,
    Tensor.nonzero,
)
take_along_dim = Tensor.take_along_dim
clone, detach = Tensor.clone, Tensor.detach


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:  # noqa: A001
    """The maximum; with a dim, (values, indices); with a tensor, the elementwise maximum."""
    return input.max(dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:  # noqa: A001
    return input.min(dim, keepdim)


__all__ = [
    n for n, v in list(globals().items())
    if not n.startswith("_") and callable(v) and n not in ("Any", "Sequence", "Tensor")
]  # fmt: skip
