"""Every differentiable primitive, each stated once: its forward on arrays and its VJP.

An op is a class with two static methods:
    forward(ctx, *arrays, **options) -> output array      (ctx.saved keeps what the VJP needs)
    backward(ctx, g) -> one gradient per input (None where ctx.needs[i] is False)
`backward` receives g = dL/d(output) and returns dL/d(input_i) = J_iᵀ g, the vector-Jacobian
product. Gradients may come back in the broadcast shape: the engine sums them back to each
input's shape in one place (`autograd.unbroadcast`).

How to add an op:
1. Write the class here (elementwise), in `reductions.py`, `shape_ops.py`, `indexing.py`, ...
   with the math in a comment. Compute with `xp = ctx.xp`, the inputs' array namespace (the
   Array API standard: `xp.exp`, `xp.sum(x, axis=...)`, `xp.where`); never name NumPy. Where the
   standard has no fast spelling, add a kernel to `kernels.Backend` (portable) and override it in
   `numpy_kernels.NumPyBackend`.
2. Declare what the VJP keeps: `saved_inputs` (indices of inputs it reads in backward) and
   `saves_output`, so in-place changes to those are caught; `view = True` if the output may share
   memory with input 0.
3. Add a method in a `tensor_*.py` mixin that calls `apply` (or `binary` for promotion), and a row
   to `tests/op_table.py`: it then runs forward vs NumPy, a float64 gradcheck, float32 kept, vs
   torch.autograd, and on array_api_strict.

How to add a backend (another array library, another device): subclass `kernels.Backend` with
the library's namespace and its devices (`cuda.py` does it for CuPy), override the kernels it
can do faster, and `backend.register(array_type, backend, device_type)`. Nothing here changes:
the op table then runs on it (tests/test_devices.py registers array_api_strict as a stand-in).
"""

from __future__ import annotations

import operator
from typing import Any

from .errors import IntegerPowerError, ShapeError


class Op:
    """Base class: subclasses define `forward` and `backward` as static methods."""

    name = "op"
    grad_name = "OpBackward"
    is_leaf = False  # only the accumulator of a leaf tensor is
    view = False  # the output may share memory with input 0
    saved_inputs: tuple[int, ...] = ()  # inputs the VJP reads (version-checked)
    # for products: input i is read only by the VJP of input saved_for[i] (x·y: y for dx), so
    # it is version-checked only when that input needs a gradient, as in torch
    saved_for: tuple[int, ...] | None = None
    saves_output = False  # the VJP reads the output (version-checked)
    float_only = False  # integer inputs are promoted to the default float dtype first
    iop: Any = None  # the in-place operator for `x op= y` outside autograd
    crosses_devices = False  # the output may belong to another array library (ToDevice)

    def __init_subclass__(cls) -> None:
        cls.name = cls.__name__.lower()
        cls.grad_name = f"{cls.__name__}Backward"

    @staticmethod
    def forward(ctx: Any, *arrays: Any, **options: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple[Any, ...]:
        raise NotImplementedError


# ---- arithmetic -----------------------------------------------------------------------------


class Add(Op):  # z = x + y;  dz/dx = 1, dz/dy = 1
    iop = operator.iadd

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Op):  # z = x - y;  dz/dx = 1, dz/dy = -1
    iop = operator.isub

    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs[1] else None)


class Mul(Op):  # z = x y;  dz/dx = y, dz/dy = x
    saved_inputs = (0, 1)
    saved_for = (1, 0)
    iop = operator.imul

    @staticmethod
    def forward(ctx, x, y):
        ctx.saved = (x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        return (g * y if ctx.needs[0] else None), (g * x if ctx.needs[1] else None)


class Div(Op):  # z = x / y;  dz/dx = 1/y, dz/dy = -x/y² = -z/y
    saved_inputs = (1,)
    saves_output = True
    float_only = True
    iop = operator.itruediv

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


class Pow(Op):  # z = x^y;  dz/dx = y x^(y-1) (0 where y = 0),  dz/dy = x^y log x
    saved_inputs = (0, 1)
    saves_output = True

    @staticmethod
    def forward(ctx, x, y):
        try:
            z = x**y
        except ValueError as e:  # NumPy: integers to negative integer powers
            raise IntegerPowerError(str(e)) from None
        ctx.saved = (x, y, z)
        return z

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, y, z = ctx.saved
        gx = gy = None
        if ctx.needs[0]:
            zero = y == 0
            if bool(xp.any(zero)):  # x^0 = 1 everywhere: its slope is 0, even at x = 0
                ones = xp.ones_like(y)  # (and 0^-1 is never formed)
                d = xp.where(zero, xp.zeros_like(y), y * xp.where(zero, ones, x) ** (y - ones))
            else:
                d = y * x ** (y - 1)
            gx = g * d
        if ctx.needs[1]:  # x^y log x, taking 0^y log 0 = 0 for y >= 0 (the limit) and
            zero = x == 0  # -inf for y < 0 (inf · -inf), as torch
            safe = xp.where(zero, xp.ones_like(x), x)
            at0 = xp.where(y >= 0, xp.zeros_like(z), -z)
            gy = g * xp.where(zero, at0, z * xp.log(safe))
        return gx, gy


class Matmul(Op):  # Z = X @ Y;  dL/dX = G Yᵀ,  dL/dY = Xᵀ G   (vectors act as 1×k or k×1)
    saved_inputs = (0, 1)
    saved_for = (1, 0)

    @staticmethod
    def forward(ctx, x, y):
        ctx.saved = (x, y)
        if x.ndim == 0 or y.ndim == 0:
            raise ShapeError(matmul_message(x.shape, y.shape))
        try:
            return ctx.xp.matmul(x, y)
        except ValueError:
            raise ShapeError(matmul_message(x.shape, y.shape)) from None

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, y = ctx.saved
        t = xp.matrix_transpose
        if x.ndim == 1 and y.ndim == 1:  # dot product: g is a scalar
            return (g * y if ctx.needs[0] else None), (g * x if ctx.needs[1] else None)
        gx = gy = None
        if x.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
            if ctx.needs[0]:
                gx = xp.matmul(g[..., None, :], t(y))[..., 0, :]
            if ctx.needs[1]:
                gy = x[:, None] * g[..., None, :]
            return gx, gy
        if y.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
            if ctx.needs[0]:
                gx = g[..., :, None] * y
            if ctx.needs[1]:
                gy = xp.matmul(t(x), g[..., :, None])[..., 0]
            return gx, gy
        if ctx.needs[0]:
            gx = xp.matmul(g, t(y))
        if ctx.needs[1]:
            gy = xp.matmul(t(x), g)
        return gx, gy


def matmul_message(a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """The error for operands matmul cannot multiply, naming the dimensions that disagree."""
    a, b = tuple(a), tuple(b)
    head = f"matmul: {a} @ {b}: "
    if len(a) == 0 or len(b) == 0:
        return head + "both operands need at least one dimension; use * for scalars"
    ka, kb = a[-1], (b[0] if len(b) == 1 else b[-2])
    if ka != kb:
        hint = " (did you mean to transpose one of them, e.g. y.T?)" if ka in b or kb in a else ""
        return head + f"inner dimensions {ka} and {kb} differ{hint}"
    return head + f"batch dimensions {a[:-2]} and {b[:-2]} cannot be broadcast together"


class Linear(Op):  # Y = X Wᵀ + b;  dX = G W,  dW = Gᵀ X,  db = Σ_rows G   (W is (out, in))
    saved_inputs = (0, 1)
    saved_for = (1, 0)

    @staticmethod
    def forward(ctx, x, w, b=None):
        if x.ndim == 0 or x.shape[-1] != w.shape[-1]:
            raise ShapeError(
                f"linear: input {tuple(x.shape)} has {x.shape[-1] if x.ndim else 0} features but "
                f"weight {tuple(w.shape)} expects {w.shape[-1]} (weight is (out_features, "
                "in_features)); reshape the input, e.g. x.flatten(1)"
            )
        ctx.saved = (x, w)
        y = ctx.xp.matmul_t(x, w)
        if b is not None:
            y += b
        return y

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, w = ctx.saved
        needs = ctx.needs
        if g.ndim != 2:  # leading batch axes: dW and db sum over all of them
            x, g2 = xp.reshape(x, (-1, x.shape[-1])), xp.reshape(g, (-1, g.shape[-1]))
        else:
            g2 = g
        gx = xp.matmul(g, w) if needs[0] else None
        gw = xp.matmul(xp.matrix_transpose(g2), x) if needs[1] else None
        gb = xp.sum(g2, axis=0) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb


class Cast(Op):  # a dtype change; the engine casts the gradient back to the input's dtype
    @staticmethod
    def forward(ctx, x, dtype=None):
        return ctx.xp.astype(x, dtype)

    @staticmethod
    def backward(ctx, g):
        return (g,)


class ToDevice(Op):  # a copy to another device or library; the gradient travels back
    crosses_devices = True

    @staticmethod
    def forward(ctx, x, backend=None, device=None):
        ctx.saved = ctx.xp, ctx.xp.device_of(x)
        return backend.asarray(x if backend is ctx.xp else ctx.xp.to_numpy(x), device=device)

    @staticmethod
    def backward(ctx, g):
        home, dev = ctx.saved
        return (home.asarray(_host(g), device=dev),)


def _host(a: Any) -> Any:
    from .backend import backend_of

    return backend_of(a).to_numpy(a)
