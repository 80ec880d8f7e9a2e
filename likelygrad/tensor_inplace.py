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
from . import inplace as IP
from . import ops
from . import trigonometry as TR
from .backend import backend_of
from .tensor_write import WriteMethods


class InplaceMethods(WriteMethods):
    """In-place math (mixed into Tensor through IndexingMethods); fills, copies and writes at
    positions come from WriteMethods."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    # ---- the machinery ----------------------------------------------------------------------
    def _write(self, result: Any, name: str) -> Any:
        """Replace this tensor's values by `result` (computed out of place) in place."""
        IP.check_inplace(self, name)
        if dt.category(result.dtype) > dt.category(self.dtype):
            raise RuntimeError(
                f"{name}: result type {result.dtype} can't be cast to the desired output type "
                f"{self.dtype}"
            )
        if result.shape != self.shape:
            raise RuntimeError(
                f"{name}: output with shape {tuple(self.shape)} doesn't match the broadcast shape "
                f"{tuple(result.shape)} (an in-place result must keep the tensor's shape)"
            )
        if D._MODE.enabled and (self._node is not None or result._node is not None):
            return self.copy_(result)
        IP.write(self, result.array, name)
        return self

    def _update(self, compute: Any, name: str) -> Any:
        """self ← compute(self), computed out of place and written back. Under autograd the
        computation reads a copy of the old values with self's history (so a VJP that saved
        them is not invalidated by the write), as `dispatch.inplace` does for single ops."""
        IP.check_inplace(self, name)
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
        return IP.inplace(self, op, what=name)

    # ---- arithmetic -------------------------------------------------------------------------
    def add_(self, other: Any, alpha: Any = 1) -> Any:
        return IP.inplace(self, ops.Add, other if alpha == 1 else other * alpha, what="add_")

    def sub_(self, other: Any, alpha: Any = 1) -> Any:
        return IP.inplace(self, ops.Sub, other if alpha == 1 else other * alpha, what="sub_")

    subtract_ = sub_

    def mul_(self, other: Any) -> Any:
        return IP.inplace(self, ops.Mul, other, what="mul_")

    multiply_ = mul_

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        if rounding_mode is not None:
            return self._update(lambda t: t.div(other, rounding_mode=rounding_mode), "div_")
        return IP.inplace(self, ops.Div, other, what="div_")

    divide_ = true_divide_ = div_

    def pow_(self, exponent: Any) -> Any:
        return IP.inplace(self, ops.Pow, exponent, what="pow_")

    def neg_(self) -> Any:
        return IP.inplace(self, ops.Neg, what="neg_")

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
        return IP.inplace(self, E.Abs, what="abs_")

    absolute_ = abs_

    def relu_(self) -> Any:
        return IP.inplace(self, E.Relu, what="relu_")

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

    def eq_(self, other: Any) -> Any:
        return self._update(lambda t: t.eq(other), "eq_")

    def ne_(self, other: Any) -> Any:
        return self._update(lambda t: t.ne(other), "ne_")

    def lt_(self, other: Any) -> Any:
        return self._update(lambda t: t.lt(other), "lt_")

    def le_(self, other: Any) -> Any:
        return self._update(lambda t: t.le(other), "le_")

    def gt_(self, other: Any) -> Any:
        return self._update(lambda t: t.gt(other), "gt_")

    def ge_(self, other: Any) -> Any:
        return self._update(lambda t: t.ge(other), "ge_")

    not_equal_, less_, less_equal_, greater_, greater_equal_ = ne_, lt_, le_, gt_, ge_

    def bitwise_and_(self, other: Any) -> Any:
        return self._update(lambda t: t.bitwise_and(other), "bitwise_and_")

    def bitwise_or_(self, other: Any) -> Any:
        return self._update(lambda t: t.bitwise_or(other), "bitwise_or_")

    def bitwise_xor_(self, other: Any) -> Any:
        return self._update(lambda t: t.bitwise_xor(other), "bitwise_xor_")

    def bitwise_not_(self) -> Any:
        return self._update(lambda t: t.bitwise_not(), "bitwise_not_")

    # ---- running sums, triangles ------------------------------------------------------------
    def cumsum_(self, dim: int) -> Any:
        return self._update(lambda t: t.cumsum(dim, dtype=self.dtype), "cumsum_")

    def cumprod_(self, dim: int) -> Any:
        return self._update(lambda t: t.cumprod(dim, dtype=self.dtype), "cumprod_")

    def tril_(self, diagonal: int = 0) -> Any:
        return self._update(lambda t: t.tril(diagonal), "tril_")

    def triu_(self, diagonal: int = 0) -> Any:
        return self._update(lambda t: t.triu(diagonal), "triu_")
