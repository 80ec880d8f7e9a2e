"""Indexing ops: x[index], x[index] = v, and gathering along an axis.

Reading picks elements; its VJP scatters the gradient back to where they came from, adding
where an index repeats (an element used twice gets both gradients). Writing replaces elements;
its VJP sends the gradient at the written positions to the value and the rest to the tensor.
"""

from __future__ import annotations

from typing import Any

from .ops import Op


def is_advanced(index: tuple) -> bool:
    """True when the index holds arrays (integer or boolean): then elements can repeat."""
    return any(hasattr(p, "shape") and hasattr(p, "dtype") for p in index)


def _basic(index: tuple) -> tuple:
    """The index without its `None`s (new axes), for writing into the un-expanded array."""
    return tuple(p for p in index if p is not None)


class GetItem(Op):  # y = x[i]: scatter g back into zeros; repeated indices accumulate
    view = True  # basic indexing (ints, slices, None, ...) gives a view

    @staticmethod
    def forward(ctx, x, index=()):
        ctx.saved = (x.shape, x.dtype, index)
        return x[index]

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        shape, dtype, index = ctx.saved
        if is_advanced(index):
            return (xp.scatter_add(shape, dtype, index, g, g),)
        out = xp.zeros(shape, dtype=dtype, device=getattr(g, "device", None))
        target = _basic(index)
        out[target] = xp.reshape(g, out[target].shape)
        return (out,)


class Take(GetItem):  # x[arrays]: advanced indexing, which copies
    view = False

    @staticmethod
    def forward(ctx, x, index=()):
        ctx.saved = (x.shape, x.dtype, index)
        return ctx.xp.take(x, index)


class SetItem(Op):  # y = x with y[i] = v: g goes to x outside i, and g[i] (summed) to v
    saved_inputs = ()

    @staticmethod
    def forward(ctx, x, v, index=()):
        xp = ctx.xp
        ctx.saved = index
        if is_advanced(index):
            return xp.put(x, index, v)
        out = xp.asarray(x, copy=True)
        target = _basic(index)
        out[target] = xp.broadcast_to(v, out[target].shape) if v.ndim else v
        return out

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        index = ctx.saved
        gx = gv = None
        if is_advanced(index):
            if ctx.needs[0]:
                gx = xp.put(g, index, xp.asarray(0, dtype=g.dtype, device=xp.device_of(g)))
            if ctx.needs[1]:
                gv = xp.take(g, index)
            return gx, gv
        target = _basic(index)
        if ctx.needs[0]:
            gx = xp.asarray(g, copy=True)
            gx[target] = 0
        if ctx.needs[1]:
            gv = g[target]
        return gx, gv


class Gather(Op):  # y = take_along_axis(x, idx, axis): scatter g back along that axis
    @staticmethod
    def forward(ctx, x, idx=None, axis=0):
        ctx.saved = (x.shape, x.dtype, idx, axis)
        return ctx.xp.take_along_axis(x, idx, axis=axis)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        shape, dtype, idx, axis = ctx.saved
        return (xp.scatter_add(shape, dtype, along_axis_index(xp, idx, axis), g, g),)


def along_axis_index(xp: Any, idx: Any, axis: int) -> tuple:
    """The advanced index that picks x[..., idx[i, j, ...], ...] along `axis` for every position
    of idx (what take_along_axis does), so a scatter can reverse it."""
    parts = []
    for a in range(idx.ndim):
        if a == axis:
            parts.append(idx)
        else:
            shape = [1] * idx.ndim
            shape[a] = idx.shape[a]
            ar = xp.arange(idx.shape[a], device=getattr(idx, "device", None))
            parts.append(xp.reshape(ar, tuple(shape)))
    return tuple(parts)


# ---- scatters: writing or combining values at positions (index tuples as `along_axis_index`) --


def used_part(src: Any, used: tuple[int, ...] | None) -> Any:
    """The leading block of `src` an index of shape `used` reads (torch's scatter lets src be
    larger than the index)."""
    if used is None or src.ndim == 0 or tuple(src.shape) == tuple(used):
        return src
    return src[tuple(slice(0, n) for n in used)]


def padded(xp: Any, g: Any, shape: tuple[int, ...] | None) -> Any:
    """The VJP of `used_part`: g in the leading block of zeros of `shape` (None: src was
    broadcast to the index instead, which the engine undoes)."""
    if shape is None or tuple(g.shape) == tuple(shape):
        return g
    out = xp.zeros(tuple(shape), dtype=g.dtype, device=getattr(g, "device", None))
    out[tuple(slice(0, n) for n in g.shape)] = g
    return out


def scalar(xp: Any, value: Any, like: Any) -> Any:
    """`value` as a 0-d array of like's dtype and device."""
    return xp.asarray(value, dtype=like.dtype, device=xp.device_of(like))


def identity(xp: Any, reduce: str, like: Any) -> Any:
    """The value that leaves `reduce` unchanged: what a position starts from without self."""
    if reduce in ("sum", "mean"):
        return scalar(xp, 0, like)
    if reduce == "prod":
        return scalar(xp, 1, like)
    info = (xp.finfo if xp.dtype_of(like).kind in "fc" else xp.iinfo)(like.dtype)
    return scalar(xp, info.min if reduce == "amax" else info.max, like)


class Scatter(Op):  # y = x with y[index] = src: g at those positions goes to src, the rest to x
    @staticmethod
    def forward(ctx, x, src, index=(), used=None):
        ctx.saved = (index, None if used is None else tuple(src.shape))
        return ctx.xp.put(x, index, used_part(src, used))

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        index, shape = ctx.saved
        gx = xp.put(g, index, scalar(xp, 0, g)) if ctx.needs[0] else None
        return gx, (padded(xp, xp.take(g, index), shape) if ctx.needs[1] else None)


class ScatterAdd(Op):  # y = x + Σ src at each position (or their mean): d/dx = 1/n, d/dsrc = 1/n
    @staticmethod
    def forward(ctx, x, src, index=(), used=None, reduce="sum", include_self=True):
        xp = ctx.xp
        v = used_part(src, used)
        base = x if include_self else xp.put(x, index, scalar(xp, 0, x))
        out = xp.scatter_reduce(base, index, v, "sum")
        count = None
        if reduce == "mean":  # how many values each position averages (1 where none arrive)
            start = xp.ones_like(x) if include_self else xp.zeros_like(x)
            count = xp.scatter_reduce(start, index, scalar(xp, 1, x), "sum")
            count = xp.where(count == 0, xp.ones_like(count), count)
            out = out / count if xp.dtype_of(x).kind in "fc" else xp.floor_divide(out, count)
        ctx.saved = (index, None if used is None else tuple(src.shape), count, include_self)
        return out

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        index, shape, count, include_self = ctx.saved
        if count is not None:
            g = g / count
        gx = None
        if ctx.needs[0]:
            gx = g if include_self else xp.put(g, index, scalar(xp, 0, g))
        return gx, (padded(xp, xp.take(g, index), shape) if ctx.needs[1] else None)


class ScatterReduce(Op):
    """y = x combined with src at each position by a product, a maximum or a minimum.

    prod: each factor's derivative is the product of the other factors at its position (with
    one zero there, that zero's derivative is the product of the rest; with two, all are 0).
    amax/amin: the gradient goes to the values equal to the result, split evenly among ties.
    """

    saved_inputs = (0, 1)
    saves_output = True

    @staticmethod
    def forward(ctx, x, src, index=(), used=None, reduce="prod", include_self=True):
        xp = ctx.xp
        v = used_part(src, used)
        base = x if include_self else xp.put(x, index, identity(xp, reduce, x))
        out = xp.scatter_reduce(base, index, v, reduce)
        shape = None if used is None else tuple(src.shape)
        ctx.saved = (x, v, out, index, shape, reduce, include_self)
        return out

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, v, out, index, shape, reduce, include_self = ctx.saved
        zero, one = xp.zeros_like(x), xp.ones_like(x)
        if reduce == "prod":
            xz, vz = x == 0, v == 0
            own = xp.astype(xz, x.dtype) if include_self else zero
            zeros = xp.scatter_reduce(own, index, xp.astype(vz, x.dtype), "sum")
            ones_v = xp.ones_like(v)
            factors = xp.where(xz, one, x) if include_self else one  # the nonzero factors
            rest = xp.scatter_reduce(factors, index, xp.where(vz, ones_v, v), "prod")
            mine = xp.where(
                zeros == 0, out / xp.where(xz, one, x), xp.where(xz & (zeros == 1), rest, zero)
            )
            at = xp.take(zeros, index)
            theirs = xp.where(
                at == 0,
                xp.take(out, index) / xp.where(vz, ones_v, v),
                xp.where(vz & (at == 1), xp.take(rest, index), xp.zeros_like(v)),
            )
            gx_full, gsrc = g * mine, xp.take(g, index) * theirs
        else:
            hit_self = (x == out) if include_self else xp.zeros_like(x, dtype=xp.bool)
            hit_src = v == xp.take(out, index)
            n = xp.scatter_reduce(
                xp.astype(hit_self, x.dtype), index, xp.astype(hit_src, x.dtype), "sum"
            )
            share = g / xp.where(n == 0, one, n)
            gx_full = xp.where(hit_self, share, zero)
            gsrc = xp.where(hit_src, xp.take(share, index), xp.zeros_like(v))
        gx = None
        if ctx.needs[0]:
            gx = gx_full if include_self else xp.put(g, index, scalar(xp, 0, g))
        return gx, (padded(xp, gsrc, shape) if ctx.needs[1] else None)
