"""Activation functions of `nn` as ops: forward on arrays, VJP g ⊙ f'(x), the math beside each.

Same contract as `ops.py` (compute with `xp = ctx.xp`; never NumPy). Each follows PyTorch's
definition, including the side a kink's derivative takes (relu'(0) = 0, elu'(0) = α,
hardtanh' = 0 at its bounds), so gradients agree with torch.autograd everywhere. The erf kernel
lives in `special.py`.
"""

from __future__ import annotations

import math

from .elementwise import softplus
from .ops import Op
from .special import erf_array, erfc_array

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_GELU_BETA = math.sqrt(2.0 / math.pi)  # tanh-GELU: tanh(√(2/π)(x + 0.044715 x³))
_GELU_KAPPA = 0.044715


class Erf(Op):  # erf'(x) = 2/√π e^{-x²}
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return erf_array(ctx.xp, x)

    @staticmethod
    def backward(ctx, g):
        x = ctx.saved
        return (g * (_TWO_OVER_SQRT_PI * ctx.xp.exp(-(x * x))),)


class Erfc(Op):  # erfc'(x) = -2/√π e^{-x²}
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return erfc_array(ctx.xp, x)

    @staticmethod
    def backward(ctx, g):
        x = ctx.saved
        return (g * (-_TWO_OVER_SQRT_PI * ctx.xp.exp(-(x * x))),)


class Gelu(Op):
    """GELU(x) = x Φ(x), Φ the standard normal CDF: x times the probability that a standard
    normal falls below x. Exact: Φ(x) = ½ erfc(-x/√2), derivative Φ(x) + x φ(x), φ the normal
    density. approximate='tanh': ½ x (1 + tanh u), u = √(2/π)(x + 0.044715 x³), derivative
    ½ (1 + tanh u) + ½ x (1 - tanh² u) √(2/π)(1 + 3·0.044715 x²)."""

    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x, approximate="none"):
        xp = ctx.xp
        ctx.saved = (x, approximate)
        if approximate == "tanh":
            return 0.5 * x * (1.0 + xp.tanh(_GELU_BETA * (x + _GELU_KAPPA * x * x * x)))
        return x * (0.5 * erfc_array(xp, -x * _INV_SQRT2))

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, approximate = ctx.saved
        if approximate == "tanh":
            t = xp.tanh(_GELU_BETA * (x + _GELU_KAPPA * x * x * x))
            slope = 0.5 * x * (1.0 - t * t) * (_GELU_BETA * (1.0 + 3.0 * _GELU_KAPPA * x * x))
            return (g * (0.5 * (1.0 + t) + slope),)
        cdf = 0.5 * erfc_array(xp, -x * _INV_SQRT2)
        return (g * (cdf + x * (_INV_SQRT_2PI * xp.exp(-0.5 * x * x))),)


class LeakyRelu(Op):  # x if x > 0 else slope·x;  derivative 1 or slope (slope at 0, as torch)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        ctx.saved = (x, negative_slope)
        return ctx.xp.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, g):
        x, slope = ctx.saved
        return (ctx.xp.where(x > 0, g, g * slope),)


class Elu(Op):
    """scale·x if x > 0 else scale·α·(e^{input_scale·x} - 1), torch's ELU (SELU and CELU set
    scale and input_scale); derivative scale, or scale·α·input_scale·e^{input_scale·x} (x ≤ 0)."""

    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x, alpha=1.0, scale=1.0, input_scale=1.0):
        xp = ctx.xp
        ctx.saved = (x, alpha, scale, input_scale)
        neg = xp.expm1(xp.minimum(x, xp.zeros_like(x)) * input_scale) * (alpha * scale)
        return xp.where(x > 0, x * scale, neg)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, alpha, scale, input_scale = ctx.saved
        neg = xp.exp(xp.minimum(x, xp.zeros_like(x)) * input_scale) * (alpha * scale * input_scale)
        return (g * xp.where(x > 0, xp.full_like(x, scale), neg),)


class Silu(Op):  # x σ(x);  derivative σ(x)(1 + x(1 - σ(x)))
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return x * ctx.xp.sigmoid(x)

    @staticmethod
    def backward(ctx, g):
        x = ctx.saved
        s = ctx.xp.sigmoid(x)
        return (g * (s * (1.0 + x * (1.0 - s))),)


class Mish(Op):  # x tanh(softplus(x));  derivative t + x σ(x)(1 - t²), t = tanh(softplus(x))
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return x * ctx.xp.tanh(softplus(ctx.xp, x))

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x = ctx.saved
        t = xp.tanh(softplus(xp, x))
        return (g * (t + x * xp.sigmoid(x) * (1.0 - t * t)),)


class SoftplusBeta(Op):
    """torch's softplus: log(1 + e^{βx})/β, or x itself where βx > threshold (where the two
    agree to float precision); derivative σ(βx), or 1 past the threshold."""

    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        xp = ctx.xp
        ctx.saved = (x, beta, threshold)
        bx = x * beta
        return xp.where(bx > threshold, x, softplus(xp, bx) / beta)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, beta, threshold = ctx.saved
        bx = x * beta
        return (xp.where(bx > threshold, g, g * xp.sigmoid(bx)),)


class Hardtanh(Op):  # clip(x, lo, hi);  derivative 1 strictly inside (lo, hi), 0 at and beyond
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x, min_val=-1.0, max_val=1.0):
        ctx.saved = (x, min_val, max_val)
        return ctx.xp.clip(x, min_val, max_val)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, lo, hi = ctx.saved
        inside = xp.logical_and(x > lo, x < hi)
        return (xp.where(inside, g, xp.zeros_like(g)),)


_SIXTH_F32 = 0.1666666716337204  # float32(1/6)


class Hardsigmoid(Op):  # clip(x/6 + 1/2, 0, 1);  derivative 1/6 strictly inside (-3, 3), else 0
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.clip(x / 6 + 0.5, 0.0, 1.0)

    @staticmethod
    def backward(ctx, g):
        xp, x = ctx.xp, ctx.saved
        inside = xp.logical_and(x > -3, x < 3)
        # torch's kernel multiplies by 1/6 rounded to float32 (1.0f / 6.0f), in every dtype
        return (xp.where(inside, g * _SIXTH_F32, xp.zeros_like(g)),)


class Hardswish(Op):  # x · clip(x + 3, 0, 6) / 6
    # derivative x/3 + 1/2 strictly inside (-3, 3); 0 at and below -3, 1 at and above 3 (torch's)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return x * ctx.xp.clip(x + 3, 0.0, 6.0) / 6

    @staticmethod
    def backward(ctx, g):
        xp, x = ctx.xp, ctx.saved
        slope = xp.where(x <= -3, xp.zeros_like(x), xp.where(x < 3, x / 3 + 0.5, xp.ones_like(x)))
        return (g * slope,)
