"""Trigonometric and hyperbolic functions and their inverses, with `atan2` and `hypot`.

Same contract as `ops.py` (forward on arrays with `xp = ctx.xp`, backward returns the VJPs).
Each derivative is written with what the forward already has, so the VJP costs one or two
elementwise operations: tan' = 1 + tan², sinh' = cosh, asin' = 1/√(1 - x²), ...
"""

from __future__ import annotations

from .ops import Op


class Sin(Op):  # d/dx sin x = cos x
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.xp.cos(ctx.saved),)


class Cos(Op):  # d/dx cos x = -sin x
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, g):
        return (-g * ctx.xp.sin(ctx.saved),)


class Tan(Op):  # d/dx tan x = 1 + tan² x  (= 1/cos² x, without a second cos)
    saves_output = True

    @staticmethod
    def forward(ctx, x):
        ctx.saved = z = ctx.xp.tan(x)
        return z

    @staticmethod
    def backward(ctx, g):
        z = ctx.saved
        return (g * (1 + z * z),)


class Asin(Op):  # d/dx asin x = 1/√(1 - x²)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.asin(x)

    @staticmethod
    def backward(ctx, g):
        x = ctx.saved
        return (g / ctx.xp.sqrt(1 - x * x),)


class Acos(Op):  # d/dx acos x = -1/√(1 - x²)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.acos(x)

    @staticmethod
    def backward(ctx, g):
        x = ctx.saved
        return (-g / ctx.xp.sqrt(1 - x * x),)


class Atan(Op):  # d/dx atan x = 1/(1 + x²)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.atan(x)

    @staticmethod
    def backward(ctx, g):
        x = ctx.saved
        return (g / (1 + x * x),)


class Sinh(Op):  # d/dx sinh x = cosh x
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.sinh(x)

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.xp.cosh(ctx.saved),)


class Cosh(Op):  # d/dx cosh x = sinh x
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.cosh(x)

    @staticmethod
    def backward(ctx, g):
        return (g * ctx.xp.sinh(ctx.saved),)


class Asinh(Op):  # d/dx asinh x = 1/√(x² + 1)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.asinh(x)

    @staticmethod
    def backward(ctx, g):
        x = ctx.saved
        return (g / ctx.xp.sqrt(x * x + 1),)


class Acosh(Op):  # d/dx acosh x = 1/√(x² - 1)  (x >= 1)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.acosh(x)

    @staticmethod
    def backward(ctx, g):
        x = ctx.saved
        return (g / ctx.xp.sqrt(x * x - 1),)


class Atanh(Op):  # d/dx atanh x = 1/(1 - x²)  (|x| < 1)
    saved_inputs = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return ctx.xp.atanh(x)

    @staticmethod
    def backward(ctx, g):
        x = ctx.saved
        return (g / (1 - x * x),)


class Atan2(Op):  # θ = atan2(y, x);  dθ/dy = x/r²,  dθ/dx = -y/r²  (0 at the origin, as torch)
    saved_inputs = (0, 1)

    @staticmethod
    def forward(ctx, y, x):
        ctx.saved = (y, x)
        return ctx.xp.atan2(y, x)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        y, x = ctx.saved
        r2 = x * x + y * y
        origin = r2 == 0
        w = g / xp.where(origin, xp.ones_like(r2), r2)
        w = xp.where(origin, xp.zeros_like(w), w)
        return (w * x if ctx.needs[0] else None), (-w * y if ctx.needs[1] else None)


class Hypot(Op):  # h = √(x² + y²);  dh/dx = x/h,  dh/dy = y/h  (nan at the origin, as torch)
    saved_inputs = (0, 1)
    saves_output = True

    @staticmethod
    def forward(ctx, x, y):
        h = ctx.xp.hypot(x, y)
        ctx.saved = (x, y, h)
        return h

    @staticmethod
    def backward(ctx, g):
        x, y, h = ctx.saved
        w = g / h
        return (w * x if ctx.needs[0] else None), (w * y if ctx.needs[1] else None)
