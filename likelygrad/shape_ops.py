"""Ops that move elements around without arithmetic: reshape, transpose, indexing, joining.

Their VJPs route each gradient element back to where its forward element came from.
"""

from __future__ import annotations

import numpy as np

from .ops import Op


class Reshape(Op):  # same elements, new shape: reshape the gradient back
    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.saved = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape {x.shape} ({x.size} elements) into {tuple(shape)}; "
                "the number of elements must stay the same (use -1 for one inferred size)"
            ) from None

    @staticmethod
    def backward(ctx, g):
        return (g.reshape(ctx.saved),)


class Transpose(Op):  # axes permuted by p: the gradient is permuted by the inverse of p
    @staticmethod
    def forward(ctx, x, axes=None):
        n = x.ndim
        if axes is None:
            axes = tuple(reversed(range(n)))
        axes = tuple(int(a) % max(n, 1) for a in axes)  # negative axes, as NumPy takes them
        if sorted(axes) != list(range(n)):
            raise ValueError(
                f"transpose: axes {axes} are not a permutation of the {n} axes of {x.shape}; "
                "give every axis once (or two axes to swap them)"
            )
        ctx.saved = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return (g.transpose(np.argsort(ctx.saved)),)


def _is_advanced(index: object) -> bool:
    """True when indexing can pick an element twice (integer arrays), so VJPs must accumulate."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(
        isinstance(p, list) or (isinstance(p, np.ndarray) and p.dtype.kind in "iu") for p in parts
    )


class GetItem(Op):  # y = x[i]: scatter g back into zeros; repeated indices accumulate
    @staticmethod
    def forward(ctx, x, index=None):
        ctx.saved = (x.shape, x.dtype, index)
        return x[index]

    @staticmethod
    def backward(ctx, g):
        shape, dtype, index = ctx.saved
        out = np.zeros(shape, dtype=np.result_type(dtype, g.dtype))
        if _is_advanced(index):
            np.add.at(out, index, g)
        else:
            out[index] = g
        return (out,)


class Concatenate(Op):  # joined along an axis: each input gets its own slice of g
    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.saved = (np.cumsum([x.shape[axis] for x in xs])[:-1], axis)
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        offsets, axis = ctx.saved
        return tuple(np.split(g, offsets, axis=axis))


class Stack(Op):  # stacked along a new axis: input i gets g taken at position i of that axis
    @staticmethod
    def forward(ctx, *xs, axis=0):
        out = np.stack(xs, axis=axis)
        ctx.saved = axis if axis >= 0 else out.ndim + axis
        return out

    @staticmethod
    def backward(ctx, g):
        axis = ctx.saved
        return tuple(np.take(g, i, axis=axis) for i in range(g.shape[axis]))


class Where(Op):  # z = x where cond else y: the gradient follows the branch that was taken
    @staticmethod
    def forward(ctx, x, y, cond=None):
        ctx.saved = cond
        return np.where(cond, x, y)

    @staticmethod
    def backward(ctx, g):
        cond = ctx.saved
        gx = np.where(cond, g, 0) if ctx.needs[0] else None
        return gx, (np.where(cond, 0, g) if ctx.needs[1] else None)
