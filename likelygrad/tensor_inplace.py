"""Tensor methods that update a tensor in place: the `*_` forms (`add_`, `exp_`, `clamp_`,
`scatter_`, ...), `fill_`, `copy_` and the random fills.

PyTorch's rules under autograd hold for all of them: allowed on tensors outside a graph and
inside `no_grad`; a leaf that requires grad raises; an in-place change to a tensor in a graph is
recorded (the tensor's node becomes the op's), and a tensor the backward still needs that is
changed in place makes that backward raise (version counters). The result must keep the
tensor's shape and fit its dtype (an integer tensor cannot take a float result).

Arithmetic runs as one op on the tensor's own storage (`dispatch.inplace`: `w -= lr * g` makes
no temporary); the others compute out of place and write the result back (`_write`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import dispatch as D
from . import dtypes as dt
from . import elementwise as E
from . import ops
from . import trigonometry as TR
from .backend import backend_of


class InplaceMethods:
    """In-place updates (mixed into Tensor through IndexingMethods)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    # ---- the machinery ----------------------------------------------------------------------
    def _write(self, result: Any, name: str) -> Any:
        """Replace this tensor's values by `result` (computed out of place) in place."""
        D.check_inplace(self, name)
        if dt.category(result.dtype) > dt.category(self.dtype):
            raise RuntimeError(
                f"{name}: result type {result.dtype} can't be cast to the desired output type "
                f"{self.dtype}"
            )
        if result.shape != self.shape:
            raise RuntimeError(
                f"{name}: output with shape {self.shape} doesn't match the broadcast shape "
                f"{result.shape} (an in-place result must keep the tensor's shape)"
            )
        if D._MODE.enabled and (self._node is not None or result._node is not None):
            return self.copy_(result)
        D.write(self, result.array, name)
        return self

    def _update(self, compute: Any, name: str) -> Any:
        """self ← compute(self), computed out of place and written back. Under autograd the
        computation reads a copy of the old values with self's history (so a VJP that saved
        them is not invalidated by the write), as `dispatch.inplace` does for single ops."""
        D.check_inplace(self, name)
        src = self
        if D._MODE.enabled:
            src = D.make(backend_of(self.array).asarray(self.array, copy=True), self._node)
        return self._write(compute(src), name)

    def _float_op_(self, op: Any, name: str) -> Any:
        """A function with float results (exp, sin, ...) applied in place: float tensors only."""
        if self.dtype.kind not in "fc":
            raise RuntimeError(
                f"{name}: result type {dt.get_default_dtype()} can't be cast to the desired "
                f"output type {self.dtype}"
            )
        return D.inplace(self, op, what=name)

    # ---- arithmetic -------------------------------------------------------------------------
    def add_(self, other: Any, alpha: Any = 1) -> Any:
        return D.inplace(self, ops.Add, other if alpha == 1 else other * alpha, what="add_")

    def sub_(self, other: Any, alpha: Any = 1) -> Any:
        return D.inplace(self, ops.Sub, other if alpha == 1 else other * alpha, what="sub_")

    subtract_ = sub_

    def mul_(self, other: Any) -> Any:
        return D.inplace(self, ops.Mul, other, what="mul_")

    multiply_ = mul_

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        if rounding_mode is not None:
            return self._update(lambda t: t.div(other, rounding_mode=rounding_mode), "div_")
        return D.inplace(self, ops.Div, other, what="div_")

    divide_ = true_divide_ = div_

    def pow_(self, exponent: Any) -> Any:
        return D.inplace(self, ops.Pow, exponent, what="pow_")

    def neg_(self) -> Any:
        return D.inplace(self, ops.Neg, what="neg_")

    negative_ = neg_

    def floor_divide_(self, other: Any) -> Any:
        return self._update(lambda t: t.floor_divide(other), "floor_divide_")

    def remainder_(self, other: Any) -> Any:
        return self._update(lambda t: t.remainder(other), "remainder_")

    def fmod_(self, other: Any) -> Any:
        return self._update(lambda t: t.fmod(other), "fmod_")

    def reciprocal_(self) -> Any:
        return self._update(lambda t: t.reciprocal(), "reciprocal_")

    def square_(self) -> Any:
        return self._update(lambda t: t.square(), "square_")

    def lerp_(self, end: Any, weight: Any) -> Any:
        return self._update(lambda t: t.lerp(end, weight), "lerp_")

    def atan2_(self, other: Any) -> Any:
        return self._update(lambda t: t.atan2(other), "atan2_")

    arctan2_ = atan2_

    def hypot_(self, other: Any) -> Any:
        return self._update(lambda t: t.hypot(other), "hypot_")

    # ---- elementwise functions --------------------------------------------------------------
    def exp_(self) -> Any:
        return self._float_op_(E.Exp, "exp_")

    def expm1_(self) -> Any:
        return self._float_op_(E.Expm1, "expm1_")

    def exp2_(self) -> Any:
        return self._update(lambda t: t.exp2(), "exp2_")

    def log_(self) -> Any:
        return self._float_op_(E.Log, "log_")

    def log1p_(self) -> Any:
        return self._float_op_(E.Log1p, "log1p_")

    def log2_(self) -> Any:
        return self._update(lambda t: t.log2(), "log2_")

    def log10_(self) -> Any:
        return self._update(lambda t: t.log10(), "log10_")

    def sqrt_(self) -> Any:
        return self._float_op_(E.Sqrt, "sqrt_")

    def rsqrt_(self) -> Any:
        return self._update(lambda t: t.rsqrt(), "rsqrt_")

    def abs_(self) -> Any:
        return D.inplace(self, E.Abs, what="abs_")

    absolute_ = abs_

    def relu_(self) -> Any:
        return D.inplace(self, E.Relu, what="relu_")

    def sigmoid_(self) -> Any:
        return self._float_op_(E.Sigmoid, "sigmoid_")

    def tanh_(self) -> Any:
        return self._float_op_(E.Tanh, "tanh_")

    def sin_(self) -> Any:
        return self._float_op_(TR.Sin, "sin_")

    def cos_(self) -> Any:
        return self._float_op_(TR.Cos, "cos_")

    def tan_(self) -> Any:
        return self._float_op_(TR.Tan, "tan_")

    def asin_(self) -> Any:
        return self._float_op_(TR.Asin, "asin_")

    def acos_(self) -> Any:
        return self._float_op_(TR.Acos, "acos_")

    def atan_(self) -> Any:
        return self._float_op_(TR.Atan, "atan_")

    def sinh_(self) -> Any:
        return self._float_op_(TR.Sinh, "sinh_")

    def cosh_(self) -> Any:
        return self._float_op_(TR.Cosh, "cosh_")

    def asinh_(self) -> Any:
        return self._float_op_(TR.Asinh, "asinh_")

    def acosh_(self) -> Any:
        return self._float_op_(TR.Acosh, "acosh_")

    def atanh_(self) -> Any:
        return self._float_op_(TR.Atanh, "atanh_")

    arcsin_, arccos_, arctan_ = asin_, acos_, atan_
    arcsinh_, arccosh_, arctanh_ = asinh_, acosh_, atanh_

    def floor_(self) -> Any:
        return self._update(lambda t: t.floor(), "floor_")

    def ceil_(self) -> Any:
        return self._update(lambda t: t.ceil(), "ceil_")

    def round_(self, decimals: int = 0) -> Any:
        return self._update(lambda t: t.round(decimals), "round_")

    def trunc_(self) -> Any:
        return self._update(lambda t: t.trunc(), "trunc_")

    fix_ = trunc_

    def frac_(self) -> Any:
        return self._update(lambda t: t.frac(), "frac_")

    def sign_(self) -> Any:
        return self._update(lambda t: t.sign(), "sign_")

    def nan_to_num_(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Any:
        return self._update(lambda t: t.nan_to_num(nan, posinf, neginf), "nan_to_num_")

    def clamp_(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return self._update(lambda t: t.clamp(min, max), "clamp_")

    clip_ = clamp_

    def clamp_min_(self, min: Any) -> Any:  # noqa: A002
        return self._update(lambda t: t.clamp(min=min), "clamp_min_")

    def clamp_max_(self, max: Any) -> Any:  # noqa: A002
        return self._update(lambda t: t.clamp(max=max), "clamp_max_")

    def logical_not_(self) -> Any:
        return self._update(lambda t: t.logical_not(), "logical_not_")

    def logical_and_(self, other: Any) -> Any:
        return self._update(lambda t: t.logical_and(other), "logical_and_")

    def logical_or_(self, other: Any) -> Any:
        return self._update(lambda t: t.logical_or(other), "logical_or_")

    def logical_xor_(self, other: Any) -> Any:
        return self._update(lambda t: t.logical_xor(other), "logical_xor_")

    # ---- running sums, triangles ------------------------------------------------------------
    def cumsum_(self, dim: int) -> Any:
        return self._update(lambda t: t.cumsum(dim, dtype=self.dtype), "cumsum_")

    def cumprod_(self, dim: int) -> Any:
        return self._update(lambda t: t.cumprod(dim, dtype=self.dtype), "cumprod_")

    def tril_(self, diagonal: int = 0) -> Any:
        return self._update(lambda t: t.tril(diagonal), "tril_")

    def triu_(self, diagonal: int = 0) -> Any:
        return self._update(lambda t: t.triu(diagonal), "triu_")

    # ---- writing at positions ---------------------------------------------------------------
    def masked_fill_(self, mask: Any, value: Any) -> Any:
        return self._update(lambda t: t.masked_fill(mask, value), "masked_fill_")

    def masked_scatter_(self, mask: Any, source: Any) -> Any:
        return self._update(lambda t: t.masked_scatter(mask, source), "masked_scatter_")

    def index_fill_(self, dim: int, index: Any, value: Any) -> Any:
        return self._update(lambda t: t.index_fill(dim, index, value), "index_fill_")

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        return self._update(lambda t: t.index_add(dim, index, source, alpha=alpha), "index_add_")

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Any:
        return self._update(lambda t: t.index_put(indices, values, accumulate), "index_put_")

    def scatter_(
        self, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: Any = None
    ) -> Any:
        return self._update(lambda t: t.scatter(dim, index, src, value, reduce=reduce), "scatter_")

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Any:
        return self._update(lambda t: t.scatter_add(dim, index, src), "scatter_add_")

    def scatter_reduce_(
        self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
    ) -> Any:
        return self._update(
            lambda t: t.scatter_reduce(dim, index, src, reduce, include_self=include_self),
            "scatter_reduce_",
        )

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Any:
        """Write `fill_value` on the main diagonal (all dims of equal size; for a tall matrix,
        `wrap` restarts the diagonal every n + 1 rows, as NumPy's fill_diagonal)."""
        if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
            raise RuntimeError("all dimensions of input must be of equal length")
        import numpy as np

        n = min(self.shape)
        if self.ndim > 2 or not wrap or self.shape[0] <= self.shape[1]:
            idx = (np.arange(n),) * self.ndim
        else:  # wrap: the diagonal pattern repeats after a skipped row, as in torch
            rows = np.arange(self.shape[0])
            rows = rows[rows % (self.shape[1] + 1) < self.shape[1]]
            idx = (rows, rows % (self.shape[1] + 1))
        self[idx] = fill_value
        return self

    # ---- fills and copies -------------------------------------------------------------------
    def zero_(self) -> Any:
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Any:
        """Fill with `value` in place."""
        v = value.item() if isinstance(value, D.Tensor) else value
        self[...] = v
        return self

    def copy_(self, src: Any, non_blocking: bool = False) -> Any:
        """Copy `src`'s values (broadcast, converted to this dtype and device) in place."""
        s = src if isinstance(src, D.Tensor) else D.const(self, D.infer(src))
        if s.device != self.device:
            s = s.to(self.device)
        s = s.expand(*self.shape) if s.shape != self.shape else s
        self[...] = s
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Any:
        """Fill with samples from U(a, b) in place."""
        from .random import draw

        u = draw("random", self.shape, self._rng_dtype(), self.device, generator)
        return self._fill_random(u * (b - a) + a if (a, b) != (0.0, 1.0) else u, "uniform_")

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Any:
        """Fill with samples from N(mean, std²) in place."""
        from .random import draw

        z = draw("standard_normal", self.shape, self._rng_dtype(), self.device, generator)
        return self._fill_random(z * std + mean if (mean, std) != (0.0, 1.0) else z, "normal_")

    def _rng_dtype(self) -> Any:
        return self.dtype if self.dtype in (dt.float32, dt.float64) else dt.float64

    def _fill_random(self, values: Any, name: str) -> Any:
        D.check_inplace(self, name)
        xp = backend_of(self.array)
        if xp.dtype_of(values) != self.dtype:
            values = xp.astype(values, self.array.dtype)
        self.array[...] = values
        self._version[0] += 1
        return self
