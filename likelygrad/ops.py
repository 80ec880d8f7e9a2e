"""Every differentiable primitive, each stated once: its forward on arrays and its VJP.

An op is a class with two static methods:
    forward(ctx, *arrays, **options) -> output array      (ctx.saved keeps what the VJP needs)
    backward(ctx, g) -> one gradient per input (None where ctx.needs[i] is False)
`backward` receives g = dL/d(output) and returns dL/d(input_i) = J_iᵀ g, the vector-Jacobian
product. Gradients may come back in the broadcast shape: the engine sums them back to each input's
shape in one place (`autograd.unbroadcast`). Shape-changing ops live in `shape_ops.py`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_exp, _log1p, _abs, _where = np.exp, np.log1p, np.abs, np.where


class Op:
    """Base class: subclasses define `forward` and `backward` as static methods."""

    name = "op"

    def __init_subclass__(cls) -> None:
        cls.name = cls.__name__.lower()

    @staticmethod
    def forward(ctx: Any, *arrays: Any, **options: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError


# ---- arithmetic -----------------------------------------------------------------------------


class Add(Op):  # z = x + y;  dz/dx = 1, dz/dy = 1
    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Op):  # z = x - y;  dz/dx = 1, dz/dy = -1
    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs[1] else None)


class Mul(Op):  # z = x y;  dz/dx = y, dz/dy = x
    @staticmethod
    def forward(ctx, x, y):
        ctx.saved = (x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        return (g * y if ctx.needs[0] else None), (g * x if ctx.needs[1] else None)


class Div(Op):  # z = x / y;  dz/dx = 1/y, dz/dy = -x/y² = -z/y
    @staticmethod
    def forward(ctx, x, y):
        z = x / y
        ctx.saved = (y, z)
        return z

    @staticmethod
    def backward(ctx, g):
        y, z = ctx.saved
        gx = g / y
        return (gx if ctx.needs[0] else None), (-gx * z if ctx.needs[1] else None)


class Neg(Op):  # z = -x
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return (-g,)


class Pow(Op):  # z = x^y;  dz/dx = y x^(y-1),  dz/dy = x^y log x
    @staticmethod
    def forward(ctx, x, y):
        z = x**y
        ctx.saved = (x, y, z)
        return z

    @staticmethod
    def backward(ctx, g):
        x, y, z = ctx.saved
        gx = g * y * x ** (y - 1) if ctx.needs[0] else None
        gy = None
        if ctx.needs[1]:  # x^y log x, taking 0·log 0 = 0 (the limit along y > 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                gy = g * _where(x == 0, 0, z * np.log(_where(x == 0, 1, x)))
        return gx, gy


class Matmul(Op):  # Z = X @ Y;  dL/dX = G Yᵀ,  dL/dY = Xᵀ G   (vectors act as 1×k or k×1)
    @staticmethod
    def forward(ctx, x, y):
        ctx.saved = (x, y)
        try:
            return x @ y
        except ValueError:
            raise ValueError(_matmul_message(x.shape, y.shape)) from None

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        if x.ndim == 1 and y.ndim == 1:  # dot product: g is a scalar
            return (g * y if ctx.needs[0] else None), (g * x if ctx.needs[1] else None)
        gx = gy = None
        if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
            if ctx.needs[0]:
                gx = (g[..., None, :] @ np.swapaxes(y, -1, -2))[..., 0, :]
            if ctx.needs[1]:
                gy = x[:, None] * g[..., None, :]
            return gx, gy
        if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
            if ctx.needs[0]:
                gx = g[..., :, None] * y
            if ctx.needs[1]:
                gy = (np.swapaxes(x, -1, -2) @ g[..., :, None])[..., 0]
            return gx, gy
        if ctx.needs[0]:
            gx = g @ np.swapaxes(y, -1, -2)
        if ctx.needs[1]:
            gy = np.swapaxes(x, -1, -2) @ g
        return gx, gy


def _matmul_message(a: tuple[int, ...], b: tuple[int, ...]) -> str:
    head = f"matmul: {a} @ {b}: "
    if len(a) == 0 or len(b) == 0:
        return head + "both operands need at least one dimension; use * for scalars"
    ka, kb = a[-1], (b[0] if len(b) == 1 else b[-2])
    if ka != kb:
        hint = " (did you mean to transpose one of them, e.g. y.T?)" if ka in b or kb in a else ""
        return head + f"inner dimensions {ka} and {kb} differ{hint}"
    return head + f"batch dimensions {a[:-2]} and {b[:-2]} cannot be broadcast together"


class Linear(Op):  # Y = X Wᵀ + b;  dX = G W,  dW = Gᵀ X,  db = Σ_rows G   (W is (out, in))
    @staticmethod
    def forward(ctx, x, w, b=None):
        if x.shape[-1] != w.shape[-1]:
            raise ValueError(
                f"linear: input {x.shape} has {x.shape[-1]} features but weight {w.shape} "
                f"expects {w.shape[-1]} (weight is (out_features, in_features))"
            )
        ctx.saved = (x, w)
        y = x @ w.T  # BLAS reads the transposed view directly: no copy of W
        if b is not None:
            y += b
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved
        needs = ctx.needs
        if g.ndim != 2:  # leading batch axes: dW and db sum over all of them
            x, g2 = x.reshape(-1, x.shape[-1]), g.reshape(-1, g.shape[-1])
        else:
            g2 = g
        gx = (g @ w) if needs[0] else None
        gw = (g2.T @ x) if needs[1] else None
        gb = np.add.reduce(g2, axis=0) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb


# ---- elementwise functions --------------------------------------------------------------------


class Exp(Op):  # d/dx e^x = e^x
    @staticmethod
    def forward(ctx, x):
        ctx.saved = z = np.exp(x)
        return z

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.saved,)


class Log(Op):  # d/dx log x = 1/x
    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        return (g / ctx.saved,)


class Sqrt(Op):  # d/dx √x = 1 / (2√x)
    @staticmethod
    def forward(ctx, x):
        ctx.saved = z = np.sqrt(x)
        return z

    @staticmethod
    def backward(ctx, g):
        return (g / (2 * ctx.saved),)


class Abs(Op):  # d/dx |x| = sign(x), taken as 0 at 0 (as PyTorch does)
    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        return (g * np.sign(ctx.saved),)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1+e^-x). For x < -88 (float32) e^-x overflows to inf and σ is exactly 0, as it
    should be; relative accuracy holds everywhere else, since 1 + e^-x never cancels."""
    t = np.negative(x, out=np.empty_like(x))  # out=: a 0-d input stays an array
    with np.errstate(over="ignore"):
        np.exp(t, out=t)
    t += 1
    return np.reciprocal(t, out=t)


class Sigmoid(Op):  # σ' = σ (1 - σ)
    @staticmethod
    def forward(ctx, x):
        ctx.saved = s = sigmoid(x)
        return s

    @staticmethod
    def backward(ctx, g):
        s = ctx.saved
        return (g * s * (1 - s),)


class Tanh(Op):  # tanh' = 1 - tanh²
    @staticmethod
    def forward(ctx, x):
        ctx.saved = t = np.tanh(x)
        return t

    @staticmethod
    def backward(ctx, g):
        t = ctx.saved
        return (g * (1 - t * t),)


class Relu(Op):  # relu(x) = x·[x > 0];  relu' = [x > 0]
    @staticmethod
    def forward(ctx, x):
        # A float mask multiplies about twice as fast as np.maximum or a bool mask does.
        keep = (x > 0).astype(x.dtype)
        ctx.saved = keep
        z = x * keep
        z += 0  # turns the -0.0 of negative inputs into +0.0
        return z

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.saved,)


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exact for large |x|, no overflow."""
    return np.maximum(x, 0) + _log1p(_exp(-_abs(x)))


class Softplus(Op):  # derivative σ(x)
    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return softplus(x)

    @staticmethod
    def backward(ctx, g):
        return (g * sigmoid(ctx.saved),)


class LogSigmoid(Op):  # log σ(x) = min(x, 0) - log1p(e^-|x|) = -softplus(-x);  derivative σ(-x)
    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return np.minimum(x, 0) - _log1p(_exp(-_abs(x)))

    @staticmethod
    def backward(ctx, g):
        return (g * sigmoid(-ctx.saved),)


class Maximum(Op):  # d max(x, y): to the larger input; a tie splits the gradient in half
    @staticmethod
    def forward(ctx, x, y):
        ctx.saved = (x, y)
        return np.maximum(x, y)

    @staticmethod
    def backward(ctx, g):
        return _tie_split(g, *ctx.saved)


def _tie_split(g: np.ndarray, x: np.ndarray, y: np.ndarray):
    """VJPs of max(x, y): g to the larger input, g/2 to each at a tie (in g's dtype)."""
    share = np.asarray(x > y, dtype=g.dtype)  # asarray: 0-d comparisons give NumPy scalars
    share[x == y] = 0.5
    return g * share, g * (1 - share)


class Minimum(Op):  # d min(x, y): to the smaller input; a tie splits the gradient in half
    @staticmethod
    def forward(ctx, x, y):
        ctx.saved = (x, y)
        return np.minimum(x, y)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        return _tie_split(g, y, x)  # x gets g where y > x: the same split, comparison reversed


class Clip(Op):  # clip(x, lo, hi): gradient 1 where lo <= x <= hi (bounds inclusive), else 0
    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        ctx.saved = (x, lo, hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        x, lo, hi = ctx.saved
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        return (g * inside,)


class Cast(Op):  # a dtype change; the engine casts the gradient back to the input's dtype
    @staticmethod
    def forward(ctx, x, dtype=None):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return (g,)
