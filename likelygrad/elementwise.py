"""Elementwise functions: each output element depends on the same element of each input.

Same contract as `ops.py` (forward on arrays with `xp = ctx.xp`, backward returns the VJPs). The
VJP of an elementwise f is g ⊙ f'(x): the Jacobian is diagonal, so it is never formed.
"""

from __future__ import annotations

import math

from .ops import Op


class Exp(Op):  # d/dx e^x = e^x
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        ctx.saved = z = ctx.xp.exp(x)
        return z

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.saved,)


class Expm1(Op):  # e^x - 1 without cancellation near 0;  derivative e^x = z + 1
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        ctx.saved = z = ctx.xp.expm1(x)
        return z

    @staticmethod
    def backward(ctx, g):
        return (g * (ctx.saved + 1),)


class Log(Op):  # d/dx log x = 1/x
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, g):
        return (g / ctx.saved,)


class Log1p(Op):  # log(1 + x) without cancellation near 0;  derivative 1/(1 + x)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.log1p(x)

    @staticmethod
    def backward(ctx, g):
        return (g / (1 + ctx.saved),)


class Sqrt(Op):  # d/dx √x = 1 / (2√x)
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        ctx.saved = z = ctx.xp.sqrt(x)
        return z

    @staticmethod
    def backward(ctx, g):
        return (g / (2 * ctx.saved),)


class Abs(Op):  # d/dx |x| = sign(x), taken as 0 at 0 (as PyTorch does)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.xp.sign(ctx.saved),)


class Sigmoid(Op):  # σ' = σ (1 - σ)
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        ctx.saved = s = ctx.xp.sigmoid(x)
        return s

    @staticmethod
    def backward(ctx, g):
        s = ctx.saved
        return (g * s * (1 - s),)


class Tanh(Op):  # tanh' = 1 - tanh²
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        ctx.saved = t = ctx.xp.tanh(x)
        return t

    @staticmethod
    def backward(ctx, g):
        t = ctx.saved
        return (g * (1 - t * t),)


class Relu(Op):  # relu(x) = x·[x > 0];  relu' = [x > 0] (0 at 0, as PyTorch)
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        z, ctx.saved = ctx.xp.relu(x)
        return z

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.saved,)


def softplus(xp, x):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exact for large |x|, no overflow."""
    return xp.maximum(x, xp.zeros_like(x)) + xp.log1p(xp.exp(-xp.abs(x)))


class Softplus(Op):  # derivative σ(x)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return softplus(ctx.xp, x)

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.xp.sigmoid(ctx.saved),)


class LogSigmoid(Op):  # log σ(x) = min(x, 0) - log1p(e^-|x|) = -softplus(-x);  derivative σ(-x)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        ctx.saved = x
        return xp.minimum(x, xp.zeros_like(x)) - xp.log1p(xp.exp(-xp.abs(x)))

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.xp.sigmoid(-ctx.saved),)


def tie_split(xp, g, x, y):
    """VJPs of max(x, y): g to the larger input, g/2 to each at a tie (PyTorch's rule)."""
    share = xp.astype(x > y, g.dtype) + 0.5 * xp.astype(x == y, g.dtype)
    return g * share, g * (1 - share)


class Maximum(Op):  # d max(x, y): to the larger input; a tie splits the gradient in half
    saved_inputs = (0, 1)

    @staticmethod
    def forward(ctx, x, y):
        ctx.saved = (x, y)
        if x.dtype == ctx.xp.bool:  # the Array API's maximum takes no bools: max is "or"
            return ctx.xp.logical_or(x, y)
        return ctx.xp.maximum(x, y)

    @staticmethod
    def backward(ctx, g):
        return tie_split(ctx.xp, g, *ctx.saved)


class Minimum(Op):  # d min(x, y): to the smaller input; a tie splits the gradient in half
    saved_inputs = (0, 1)

    @staticmethod
    def forward(ctx, x, y):
        ctx.saved = (x, y)
        if x.dtype == ctx.xp.bool:  # and min is "and"
            return ctx.xp.logical_and(x, y)
        return ctx.xp.minimum(x, y)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        return tie_split(ctx.xp, g, y, x)  # x gets g where y > x: the same split, reversed


class Clip(Op):  # clip(x, lo, hi): gradient 1 where lo <= x <= hi (bounds inclusive), else 0
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        ctx.saved = (x, lo, hi)
        xp = ctx.xp
        if lo is not None and hi is not None and lo > hi:  # torch: every element becomes hi
            return xp.full_like(x, hi)
        return xp.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, lo, hi = ctx.saved
        inside = xp.ones_like(g)
        if lo is not None:
            inside = inside * xp.astype(x >= lo, g.dtype)
        if hi is not None:
            inside = inside * xp.astype(x <= hi, g.dtype)
        return (g * inside,)


class Where(Op):  # z = x where cond else y: the gradient follows the branch that was taken
    @staticmethod
    def forward(ctx, x, y, cond=None):
        ctx.saved = cond
        return ctx.xp.where(cond, x, y)

    @staticmethod
    def backward(ctx, g):
        xp, cond = ctx.xp, ctx.saved
        zero = xp.zeros_like(g)
        gx = xp.where(cond, g, zero) if ctx.needs[0] else None
        return gx, (xp.where(cond, zero, g) if ctx.needs[1] else None)


class Step(Op):  # floor, ceil, round, trunc, sign: piecewise constant, so the gradient is 0
    @staticmethod
    def forward(ctx, x, fn="floor", decimals=0):
        xp = ctx.xp
        if fn == "round" and decimals:
            scale = 10.0**decimals
            return xp.round(x * scale) / scale
        if fn == "sign" and xp.dtype_of(x).kind == "f":  # torch: sign(nan) = 0
            s = xp.sign(x)
            return xp.where(xp.isnan(s), xp.zeros_like(s), s)
        return getattr(xp, fn)(x)

    @staticmethod
    def backward(ctx, g):
        return (ctx.xp.zeros_like(g),)


class Lerp(Op):  # z = a + w (b - a);  dz/da = 1 - w,  dz/db = w,  dz/dw = b - a
    saved_inputs = (0, 1, 2)

    @staticmethod
    def forward(ctx, a, b, w):
        xp = ctx.xp
        ctx.saved = (a, b, w)
        d = b - a
        # torch's two-sided form: exact at w = 0 (gives a) and at w = 1 (gives b)
        return xp.where(xp.abs(w) < 0.5, a + w * d, b - d * (1 - w))

    @staticmethod
    def backward(ctx, g):
        a, b, w = ctx.saved
        needs = ctx.needs
        return (
            g * (1 - w) if needs[0] else None,
            g * w if needs[1] else None,
            g * (b - a) if needs[2] else None,
        )


class NanToNum(Op):  # nan, +inf, -inf replaced by numbers: the gradient flows where x is finite
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x, nan=0.0, posinf=None, neginf=None):
        xp = ctx.xp
        ctx.saved = x
        big = float(xp.finfo(x.dtype).max)  # torch's default for ±inf: the dtype's extremes
        hi, lo = big if posinf is None else posinf, -big if neginf is None else neginf
        out = xp.where(xp.isnan(x), xp.full_like(x, nan), x)
        out = xp.where(x == math.inf, xp.full_like(x, hi), out)
        return xp.where(x == -math.inf, xp.full_like(x, lo), out)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        return (xp.where(xp.isfinite(ctx.saved), g, xp.zeros_like(g)),)
