"""Softmax, log-softmax and the fused log-likelihood kernels, all computed in log space.

A Categorical's log-probability is a log-softmax picked at the label, and a Bernoulli's is
y l - softplus(l); fusing each into one op gives the exact gradients (onehot(y) - softmax(l),
and y - σ(l)) without forming a one-hot matrix or an intermediate probability that could round to
0. Every max is subtracted before exponentiating, so logits of ±1000 stay finite.
"""

from __future__ import annotations

import math

from .elementwise import softplus
from .ops import Op
from .reductions import finite, logsumexp, normalize_axis


class Softmax(Op):  # s = e^x / Σ e^x;  Jᵀg = s ⊙ (g - Σ g s)
    saves_output = True

    @staticmethod
    def forward(ctx, x, axis=-1):
        xp = ctx.xp
        (axis,) = normalize_axis(axis, x.ndim) or (0,)
        if x.ndim == 0:
            s = xp.ones_like(x)
        elif x.shape[axis] == 0:
            s = x + 0
        else:
            e = xp.exp(x - finite(xp, xp.max(x, axis=axis, keepdims=True)))
            s = e / xp.sum(e, axis=axis, keepdims=True)
        ctx.saved = (s, axis)
        return s

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        s, axis = ctx.saved
        if s.ndim == 0:
            return (xp.zeros_like(g),)
        return (s * (g - xp.sum(g * s, axis=axis, keepdims=True)),)


class LogSoftmax(Op):  # z = x - logsumexp(x);  Jᵀg = g - softmax(x) Σ g
    saves_output = True

    @staticmethod
    def forward(ctx, x, axis=-1):
        xp = ctx.xp
        (axis,) = normalize_axis(axis, x.ndim) or (0,)
        z = x - logsumexp(xp, x, (axis,)) if x.ndim else xp.zeros_like(x)
        ctx.saved = (z, axis)
        return z

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        z, axis = ctx.saved
        if z.ndim == 0:
            return (xp.zeros_like(g),)
        return (g - xp.exp(z) * xp.sum(g, axis=axis, keepdims=True),)


class CategoricalLogProb(Op):
    """log p(y | logits) = logits[y] - logsumexp(logits), per example (classes on the last axis),
    or, given `scale`, scale · Σ_examples log p(y) (the mean NLL in one op, for speed).

    d/dlogits = onehot(y) - softmax(logits): the fused form costs one exp and no one-hot matrix.
    """

    @staticmethod
    def forward(ctx, logits, labels=None, scale=None):
        xp = ctx.xp
        k = logits.shape[-1]
        flat = xp.reshape(logits, (-1, k))
        idx = xp.reshape(xp.asarray(labels, device=xp.device_of(logits)), (-1,))
        picked = xp.pick_rows(flat, idx)
        if scale is None:
            lse, p = xp.row_softmax(flat)
            out = picked - lse
        else:  # a finite total proves every row max was finite, so the guard can wait
            # (on a GPU, reading the total back would stall the step: guarded at once there)
            for guard in (False, True) if xp.reads_back_cheaply else (True,):
                lse, p = xp.row_softmax(flat, guard)
                total = xp.sum(picked - lse) * scale
                if guard or math.isfinite(float(total)):  # else an inf or nan: redo it guarded
                    break
            out = xp.asarray(total, dtype=flat.dtype)
        if ctx.needs[0]:
            ctx.saved = (p, idx, logits.shape, scale)
        return xp.reshape(out, labels.shape) if scale is None else out

    @staticmethod
    def reduced(node, values, scale):
        """scale · Σ values, as one node of this op sharing `node`'s work (the softmax): so
        log_prob(y).mean() costs what nll(y) does. None when there is nothing to share."""
        if node.saved is None or node.saved[3] is not None or node.next is None:
            return None
        xp = node.xp
        p, idx, shape, _ = node.saved
        fused = type(node)(CategoricalLogProb, node.next, node.needs, node.inputs, xp)
        fused.saved = (p, idx, shape, scale)
        return fused, xp.asarray(xp.sum(values) * scale, dtype=values.dtype)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        p, idx, shape, scale = ctx.saved
        g = xp.reshape(g, (-1,)) if scale is None else g * scale  # per-row weights, or a scalar
        grad = p * (-g[:, None] if scale is None else -g)
        return (xp.reshape(xp.add_rows(grad, idx, g), shape),)


class BernoulliLogProb(Op):
    """log p(y | logit l) = y log σ(l) + (1 - y) log(1 - σ(l)) = y l - softplus(l), per element,
    or, given `scale`, scale · Σ log p(y).

    d/dl = y - σ(l);  d/dy = l (only needed for soft, learned targets). At an infinite logit the
    short form meets 0·∞; the long form -y softplus(-l) - (1 - y) softplus(l), with each term
    dropped where its weight is 0, gives PyTorch's values (-inf for y = 0 at l = +inf).
    """

    saved_inputs = (0, 1)

    @staticmethod
    def forward(ctx, logits, y, scale=None):
        xp = ctx.xp
        ctx.saved = (logits, y, scale)
        out = y * logits - softplus(xp, logits)
        total = xp.sum(out) if scale is not None else None
        if not xp.reads_back_cheaply or not (  # on a GPU: the long form at once, no read-back
            math.isfinite(float(total)) if total is not None else bool(xp.all(xp.isfinite(out)))
        ):
            zero = xp.zeros_like(out)
            out = xp.where(y == 0, zero, -y * softplus(xp, -logits)) + xp.where(
                y == 1, zero, -(1 - y) * softplus(xp, logits)
            )
            total = xp.sum(out) if scale is not None else None
        if scale is None:
            return out
        return xp.asarray(total * scale, dtype=out.dtype)

    @staticmethod
    def reduced(node, values, scale):
        """scale · Σ values as one node of this op (see CategoricalLogProb.reduced)."""
        if node.saved is None or node.saved[2] is not None or node.next is None:
            return None
        xp = node.xp
        logits, y, _ = node.saved
        fused = type(node)(BernoulliLogProb, node.next, node.needs, node.inputs, xp)
        fused.saved, fused.versions = (logits, y, scale), node.versions
        return fused, xp.asarray(xp.sum(values) * scale, dtype=values.dtype)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        logits, y, scale = ctx.saved
        if scale is not None:
            g = g * scale
        gl = g * (y - xp.sigmoid(logits)) if ctx.needs[0] else None
        return gl, (g * logits if ctx.needs[1] else None)
