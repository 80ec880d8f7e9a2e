"""Loss primitives that are ops of their own (forward on arrays, VJP beside it)."""

from __future__ import annotations

from ..ops import Op


class BinaryCrossEntropy(Op):
    """-(y log q + (1 - y) log(1 - q)) per element, each log clamped below at -100 (torch's
    choice, so q = 0 or 1 gives a large finite loss rather than inf).

    d/dq = (q - y) / (q (1 - q)), with q (1 - q) kept above 1e-12 as torch does;
    d/dy = log(1 - q) - log q (for learned soft targets).
    """

    saved_inputs = (0, 1)

    @staticmethod
    def forward(ctx, q, y):
        ctx.saved = (q, y)
        log_q, log_1mq = _logs(ctx.xp, q, -100.0)
        return (y - 1.0) * log_1mq - y * log_q

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        q, y = ctx.saved
        gq = gy = None
        if ctx.needs[0]:
            gq = g * (q - y) / xp.maximum(q * (1.0 - q), xp.full_like(q, 1e-12))
        if ctx.needs[1]:
            log_q, log_1mq = _logs(xp, q, -float("inf"))
            gy = g * (log_1mq - log_q)
        return gq, gy


def _logs(xp, q, floor):
    """(log q, log(1 - q)), each at least `floor`; log 0 is never evaluated (no warnings)."""
    one = xp.ones_like(q)
    low = xp.full_like(q, floor)
    log_q = xp.where(q > 0, xp.maximum(xp.log(xp.where(q > 0, q, one)), low), low)
    log_1mq = xp.where(q < 1, xp.maximum(xp.log1p(-xp.where(q < 1, q, 0 * one)), low), low)
    return log_q, log_1mq
