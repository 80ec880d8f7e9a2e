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
