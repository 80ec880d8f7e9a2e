"""Max-unpooling: max pooling's values put back where they came from, zeros elsewhere.

Given values x (N, C, *S) and `indices` (N, C, *S), each a flat position within an output
plane of `size` (what max pooling's `return_indices` gives), the output is

    y[n, c, :] = 0,   then   y[n, c, indices[n, c, j]] = x[n, c, j]   for every j in order

(of values sent to the same position the last one stays, as PyTorch's CPU kernel). Its VJP reads
the output gradient at those positions, dx[n, c, j] = g[n, c, indices[n, c, j]], for every j:
PyTorch's gradient, which a position named twice gives to each value sent there (overlapping
pooling windows whose maximum is the same element do this).
"""

from __future__ import annotations

import math

from .indexing import along_axis_index
from .ops import Op


class MaxUnpool(Op):
    """Values x (N, C, *S) written into zeros (N, C, *size) at flat per-plane `indices`."""

    @staticmethod
    def forward(ctx, x, indices=None, size=()):
        xp = ctx.xp
        n, c = x.shape[0], x.shape[1]
        flat = xp.reshape(indices, (n, c, math.prod(x.shape[2:])))
        y = xp.zeros((n, c, math.prod(size)), dtype=x.dtype, device=x.device)
        y = xp.put(y, along_axis_index(xp, flat, 2), xp.reshape(x, flat.shape))
        ctx.saved = (flat, x.shape)
        return xp.reshape(y, (n, c, *size))

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        flat, shape = ctx.saved
        g3 = xp.reshape(g, (shape[0], shape[1], math.prod(g.shape[2:])))
        return (xp.reshape(xp.take_along_axis(g3, flat, axis=2), shape),)
