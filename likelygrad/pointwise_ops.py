"""Elementwise ops whose gradients torch defines at their edges, so a composition of simpler
ops would not match: `Logit` (log-odds) and `Xlogy` (x · log y, 0 at x = 0).

Same contract as `ops.py`: forward on arrays with `xp = ctx.xp`, backward returns the VJPs.
"""

from __future__ import annotations

from .ops import Op


class Logit(Op):  # y = log(p / (1 - p)), p = x clamped to [eps, 1 - eps] when eps is given
    # dy/dx = 1 / (x (1 - x)) inside; with eps, 0 outside [eps, 1 - eps] (the clamp's flat
    # parts); without eps, nan outside [0, 1], as torch's logit_backward
    float_only = True
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x, eps=None):
        xp = ctx.xp
        ctx.saved, ctx.eps = x, eps
        p = x if eps is None else xp.clip(x, eps, 1 - eps)
        return xp.log(p / (1 - p))

    @staticmethod
    def backward(ctx, g):
        xp, x, eps = ctx.xp, ctx.saved, ctx.eps
        slope = g / (x * (1 - x))
        lo, hi = (0.0, 1.0) if eps is None else (eps, 1 - eps)
        outside = xp.logical_or(x < lo, x > hi)
        off = xp.full_like(slope, float("nan") if eps is None else 0.0)
        return (xp.where(outside, off, slope),)


class Xlogy(Op):  # z = x log y, and 0 where x = 0 unless y is nan
    # dz/dx = log y, but 0 where x = 0 and y <= 0 (g · log y is taken as 0 where g = 0);
    # dz/dy = x / y, as torch's derivatives (0/0 = nan at x = y = 0)
    float_only = True
    saved_inputs = (0, 1)

    @staticmethod
    def forward(ctx, x, y):
        xp = ctx.xp
        ctx.saved = (x, y)
        zero = xp.logical_and(x == 0, xp.logical_not(xp.isnan(y)))
        product = x * xp.log(y)
        return xp.where(zero, xp.zeros_like(product), product)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, y = ctx.saved
        gx = gy = None
        if ctx.needs[0]:
            g_log_y = g * xp.log(y)  # xlogy(g, y): 0 where g = 0 unless y is nan
            quiet = xp.logical_and(g == 0, xp.logical_not(xp.isnan(y)))
            g_log_y = xp.where(quiet, xp.zeros_like(g_log_y), g_log_y)
            gx = xp.where(xp.logical_and(x == 0, y <= 0), xp.zeros_like(g_log_y), g_log_y)
        if ctx.needs[1]:
            gy = g * x / y
        return gx, gy
