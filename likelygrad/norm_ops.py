"""Normalization by batch statistics: the one op behind BatchNorm (training) and LayerNorm.

Over the reduced axes (for BatchNorm every axis but the channels, for LayerNorm the last ones),
with n elements each:
    μ = mean(x),   σ² = mean((x - μ)²)   (biased, as both layers use it),   r = 1/√(σ² + ε)
    x̂ = (x - μ) r
Since μ and σ² depend on x, the VJP is not just g·r: with means over the same axes,
    dx = r (g - mean(g) - x̂ mean(g x̂))
(the two subtracted terms remove the parts of g that would move the mean and the variance).
The layers' scale and shift, y = γ x̂ + β, are ordinary multiplications and additions.
"""

from __future__ import annotations

from .ops import Op


class Normalize(Op):
    """x̂ = (x - mean) / √(var + eps) over `axes`; `stats`, a list if given, receives the
    (mean, biased var) arrays (keepdims) for BatchNorm's running averages."""

    saves_output = True

    @staticmethod
    def forward(ctx, x, axes=(), eps=1e-5, stats=None):
        xp = ctx.xp
        mean = xp.mean(x, axis=axes, keepdims=True)
        xc = x - mean
        var = xp.mean(xc * xc, axis=axes, keepdims=True)
        r = 1.0 / xp.sqrt(var + eps)
        xc *= r  # xc is our own array: x̂ in place
        if stats is not None:
            stats.append((mean, var))
        ctx.saved = (xc, r, axes)
        return xc

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        y, r, axes = ctx.saved
        g_mean = xp.mean(g, axis=axes, keepdims=True)
        gy_mean = xp.mean(g * y, axis=axes, keepdims=True)
        return (r * (g - g_mean - y * gy_mean),)
