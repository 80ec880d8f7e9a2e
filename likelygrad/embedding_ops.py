"""Embedding lookup: row i of the table for each index i, and the gradient added back per row.

    y[..., :] = W[idx[...], :]          dW[v] = Σ_{positions p with idx[p] = v} g[p]
A repeated index collects the gradient of every position that used it. PyTorch's two options
act on the backward pass only: `padding_idx` gets no gradient, and `scale_grad_by_freq` divides
each position's gradient by how often its index occurs in the batch.
"""

from __future__ import annotations

from .ops import Op


class Embedding(Op):
    """Rows `indices` (an integer array of any shape) of the (num_embeddings, dim) table."""

    @staticmethod
    def forward(ctx, weight, indices=None, padding_idx=None, scale_grad_by_freq=False):
        xp = ctx.xp
        flat = xp.reshape(indices, (-1,))
        ctx.saved = (flat, weight.shape, weight.dtype, padding_idx, scale_grad_by_freq)
        rows = xp.ns.take(weight, flat, axis=0)  # the namespace's take (xp.take is x[index])
        return xp.reshape(rows, (*indices.shape, weight.shape[1]))

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        flat, shape, dtype, padding_idx, by_freq = ctx.saved
        g2 = xp.reshape(g, (flat.shape[0], shape[1]))
        if padding_idx is not None:
            g2 = xp.where(xp.expand_dims(flat == padding_idx, axis=-1), xp.zeros_like(g2), g2)
        if by_freq:  # ÷ the count of each position's index in this batch
            ones = xp.ones(flat.shape, dtype=dtype, device=g.device)
            counts = xp.ns.take(xp.scatter_add((shape[0],), dtype, (flat,), ones, g), flat, axis=0)
            g2 = g2 / xp.expand_dims(counts, axis=-1)
        return (xp.scatter_add(shape, dtype, (flat,), g2, g),)
