"""Ops that move elements around without arithmetic: reshape, permute, expand, join, flip.

Their VJPs route each gradient element back to where its forward element came from.
"""

from __future__ import annotations

import math
from typing import Any

from .backend import diagonal_span
from .ops import Op


def normalize_dim(dim: Any, ndim: int, extra: int = 0) -> int:
    """One axis as a non-negative int; IndexError naming the range otherwise (PyTorch's rule:
    a 0-d tensor accepts 0 and -1). `extra` widens the range (unsqueeze inserts a new axis)."""
    bound = max(ndim + extra, 1)
    if isinstance(dim, bool) or not hasattr(dim, "__index__"):
        raise TypeError(f"dim must be an int, got {dim!r}")
    d = dim.__index__()
    if not -bound <= d < bound:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got "
            f"{d}): the tensor has {ndim} dimension{'s' if ndim != 1 else ''}"
        )
    return d % bound


def infer_shape(
    shape: tuple[int, ...], size: int, op: str, have: tuple[int, ...]
) -> tuple[int, ...]:
    """`shape` with its one -1 filled in; a clear error when the sizes cannot match."""
    if sum(1 for s in shape if s == -1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (-1), got {shape}")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"{op}: invalid shape dimension {min(shape)} in {shape}")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or size % known:
            raise RuntimeError(
                f"{op}: shape {list(shape)} is invalid for input of size {size} (input shape "
                f"{have}); the number of elements must stay the same"
            )
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise RuntimeError(
            f"{op}: shape {list(shape)} is invalid for input of size {size} (input shape {have}); "
            "the number of elements must stay the same (use -1 for one inferred size)"
        )
    return shape


class Reshape(Op):  # same elements, new shape: reshape the gradient back
    view = True

    @staticmethod
    def forward(ctx, x, shape=()):
        shape = infer_shape(tuple(shape), math.prod(x.shape), "view", tuple(x.shape))
        ctx.saved = x.shape
        return ctx.xp.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return (ctx.xp.reshape(g, ctx.saved),)


class Permute(Op):  # axes permuted by p: the gradient is permuted by the inverse of p
    view = True

    @staticmethod
    def forward(ctx, x, axes=()):
        n = x.ndim
        if len(axes) != n:
            raise RuntimeError(
                f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                f"the length of the desired ordering of dimensions i.e. input.dim() = {n} is not "
                f"equal to len(dims) = {len(axes)}"
            )
        axes = tuple(normalize_dim(a, n) for a in axes)
        if sorted(axes) != list(range(n)):
            raise RuntimeError(f"permute(): duplicate dims are not allowed: {axes}")
        ctx.saved = axes
        return ctx.xp.permute_dims(x, axes)

    @staticmethod
    def backward(ctx, g):
        inverse = sorted(range(len(ctx.saved)), key=ctx.saved.__getitem__)
        return (ctx.xp.permute_dims(g, tuple(inverse)),)


class Clone(Op):  # a copy into new memory: the gradient passes through unchanged
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.asarray(x, copy=True)

    @staticmethod
    def backward(ctx, g):
        return (g,)


class Contiguous(Op):  # a copy in row-major order (torch's contiguous): the gradient passes
    @staticmethod
    def forward(ctx, x):
        return ctx.xp.row_major_copy(x)  # clone keeps a transpose's strides; this does not

    @staticmethod
    def backward(ctx, g):
        return (g,)


class Expand(Op):  # x broadcast to a larger shape: each copy's gradient is summed back
    view = True

    @staticmethod
    def forward(ctx, x, shape=()):
        return ctx.xp.broadcast_to(x, tuple(shape))

    @staticmethod
    def backward(ctx, g):
        return (g,)  # the engine's unbroadcast sums the copies


class Concatenate(Op):  # joined along an axis: each input gets its own slice of g
    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.saved = ([x.shape[axis] for x in xs], axis)
        return ctx.xp.concat(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        sizes, axis = ctx.saved
        out, start = [], 0
        for n in sizes:
            idx = (slice(None),) * axis + (slice(start, start + n), Ellipsis)
            out.append(g[idx])
            start += n
        return tuple(out)


class Stack(Op):  # stacked along a new axis: input i gets g taken at position i of that axis
    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.saved = axis
        return ctx.xp.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        axis = ctx.saved
        return tuple(g[(slice(None),) * axis + (i, Ellipsis)] for i in range(g.shape[axis]))


class Flip(Op):  # reversed along axes: reverse the gradient the same way
    @staticmethod
    def forward(ctx, x, axes=()):
        ctx.saved = axes
        return ctx.xp.flip(x, axis=axes)

    @staticmethod
    def backward(ctx, g):
        return (ctx.xp.flip(g, axis=ctx.saved),)


class Tile(Op):  # x repeated reps times along each axis: the copies' gradients are summed
    @staticmethod
    def forward(ctx, x, reps=()):
        ctx.saved = (x.shape, reps)
        return ctx.xp.tile(x, reps)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        shape, reps = ctx.saved
        shape = (1,) * (len(reps) - len(shape)) + tuple(shape)
        # g has shape r_i·n_i per axis: view it as (r_0, n_0, r_1, n_1, ...) and sum the r's
        split = [d for r, n in zip(reps, shape) for d in (r, n)]
        summed = xp.sum(xp.reshape(g, tuple(split)), axis=tuple(range(0, 2 * len(reps), 2)))
        return (xp.reshape(summed, ctx.saved[0]),)


class Roll(Op):  # elements shifted cyclically along axes: shift the gradient back
    @staticmethod
    def forward(ctx, x, shifts=(), axes=()):
        ctx.saved = (shifts, axes)
        return ctx.xp.roll(x, shift=shifts, axis=axes)

    @staticmethod
    def backward(ctx, g):
        shifts, axes = ctx.saved
        return (ctx.xp.roll(g, shift=tuple(-s for s in shifts), axis=axes),)


class Diagonal(Op):  # y = x[..., i, i + offset] over two axes (a view where the library has one)
    view = True

    @staticmethod
    def forward(ctx, x, offset=0, axis1=0, axis2=1):
        ctx.saved = (x.shape, x.dtype, offset, axis1, axis2)
        return ctx.xp.diagonal(x, offset, axis1, axis2)

    @staticmethod
    def backward(ctx, g):  # g placed on that diagonal of a zero array
        xp = ctx.xp
        shape, dtype, offset, a1, a2 = ctx.saved
        rest = tuple(i for i in range(len(shape)) if i not in (a1, a2))
        n, m = shape[a1], shape[a2]
        flat = xp.zeros(
            (*(shape[i] for i in rest), n * m), dtype=dtype, device=getattr(g, "device", None)
        )
        length, start = diagonal_span(n, m, offset)
        if length:
            flat[..., start : start + (m + 1) * (length - 1) + 1 : m + 1] = g
        order = (*rest, a1, a2)
        out = xp.reshape(flat, tuple(shape[i] for i in order))
        return (xp.permute_dims(out, tuple(order.index(i) for i in range(len(shape)))),)
