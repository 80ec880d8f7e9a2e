"""Tensor operators and arithmetic: `+`, `*`, `@`, comparisons and logic, and the method
names PyTorch gives them (`add`, `mul`, `div`, `matmul`, `mm`, ...).

Binary operators go through `dispatch.binary`, which promotes dtypes as PyTorch does (Python and
NumPy scalars are weak: `float32_tensor * np.float64(2)` stays float32); `x op= y` updates x in
its own storage (`dispatch.inplace`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import dispatch as D
from . import elementwise as E
from . import inplace as IP
from . import ops


def _logical(a: Any, b: Any, fn: str) -> Any:
    (ta, tb), _ = D.promote(fn, a, b)
    xp = D.backend_of(ta.array)
    return D.make(getattr(xp, fn)(ta.array, tb.array), None)


class OperatorMethods:
    """Operators, comparisons, logic and arithmetic by name (mixed into Tensor through
    MathMethods)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    # ---- operators ------------------------------------------------------------------------
    def __add__(self, o: Any) -> Any:
        return D.binary(ops.Add, self, o)

    def __radd__(self, o: Any) -> Any:
        return D.binary(ops.Add, self._scalar(o), self)

    def __sub__(self, o: Any) -> Any:
        return D.binary(ops.Sub, self, o)

    def __rsub__(self, o: Any) -> Any:
        return D.binary(ops.Sub, self._scalar(o), self)

    def __mul__(self, o: Any) -> Any:
        return D.binary(ops.Mul, self, o)

    def __rmul__(self, o: Any) -> Any:
        return D.binary(ops.Mul, self._scalar(o), self)

    def __truediv__(self, o: Any) -> Any:
        return D.binary(ops.Div, self, o)

    def __rtruediv__(self, o: Any) -> Any:
        return D.binary(ops.Div, self._scalar(o), self)

    def __pow__(self, o: Any) -> Any:
        return D.binary(ops.Pow, self, o)

    def __rpow__(self, o: Any) -> Any:
        return D.binary(ops.Pow, self._scalar(o), self)

    def __matmul__(self, o: Any) -> Any:
        return self.matmul(o)

    def __rmatmul__(self, o: Any) -> Any:
        return D.apply(ops.Matmul, *D.promote("matmul", o, self)[0])

    def __floordiv__(self, o: Any) -> Any:
        return self.div(o, rounding_mode="floor")

    def __rfloordiv__(self, o: Any) -> Any:
        return self._scalar(o).div(self, rounding_mode="floor")

    def __mod__(self, o: Any) -> Any:
        return self.remainder(o)

    def __rmod__(self, o: Any) -> Any:
        return self._scalar(o).remainder(self)

    def __neg__(self) -> Any:
        if self.dtype.kind == "b":
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. Use ~ instead."
            )
        return D.apply(ops.Neg, self)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return self.abs()

    def __iadd__(self, o: Any) -> Any:
        return IP.inplace(self, ops.Add, o, what="+=")

    def __isub__(self, o: Any) -> Any:
        return IP.inplace(self, ops.Sub, o, what="-=")

    def __imul__(self, o: Any) -> Any:
        return IP.inplace(self, ops.Mul, o, what="*=")

    def __itruediv__(self, o: Any) -> Any:
        return IP.inplace(self, ops.Div, o, what="/=")

    def __ipow__(self, o: Any) -> Any:
        return IP.inplace(self, ops.Pow, o, what="**=")

    def _scalar(self, o: Any) -> Any:
        """A left operand that is not a tensor, as a tensor (weak scalars keep our dtype;
        NumPy scalars are weak too, as everywhere in likelygrad)."""
        if isinstance(o, int | float | bool | complex | np.generic):
            return D.const(self, o, D.dt.result_type((self.dtype, self.ndim), o))
        return D.operand(o, self)[1]

    # ---- comparisons and logic: constant boolean tensors, as in PyTorch -------------------
    def _compare(self, o: Any, fn: str) -> Any:
        try:
            (ta, tb), _ = D.promote(fn, self, o)
        except TypeError:
            if fn in ("equal", "not_equal"):
                return NotImplemented  # let the other operand decide (e.g. pytest.approx)
            raise
        xp = D.backend_of(ta.array)
        try:
            return D.make(getattr(xp, fn)(ta.array, tb.array), None)
        except ValueError:
            raise ValueError(D.broadcast_message(fn, ta.shape, tb.shape)) from None

    def __lt__(self, o: Any) -> Any:
        return self._compare(o, "less")

    def __le__(self, o: Any) -> Any:
        return self._compare(o, "less_equal")

    def __gt__(self, o: Any) -> Any:
        return self._compare(o, "greater")

    def __ge__(self, o: Any) -> Any:
        return self._compare(o, "greater_equal")

    def __eq__(self, o: Any) -> Any:  # type: ignore[override]
        return self._compare(o, "equal")

    def __ne__(self, o: Any) -> Any:  # type: ignore[override]
        return self._compare(o, "not_equal")

    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__
    less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne

    def _bitwise(self, o: Any, fn: str) -> Any:
        if self.dtype.kind not in "biu" or (hasattr(o, "dtype") and o.dtype.kind not in "biu"):
            raise TypeError(
                f"{fn} is only supported for integer and bool tensors, not {self.dtype}"
            )
        return _logical(self, o, fn)

    def __and__(self, o: Any) -> Any:
        return self._bitwise(o, "bitwise_and")

    def __or__(self, o: Any) -> Any:
        return self._bitwise(o, "bitwise_or")

    def __xor__(self, o: Any) -> Any:
        return self._bitwise(o, "bitwise_xor")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__
    bitwise_and, bitwise_or, bitwise_xor = __and__, __or__, __xor__

    def __invert__(self) -> Any:
        if self.dtype.kind not in "biu":
            raise TypeError(
                f"~ (bitwise_not) is only supported for integer and bool tensors, not {self.dtype}"
            )
        return D.make(D.backend_of(self.array).bitwise_invert(self.array), None)

    bitwise_not = __invert__

    def logical_not(self) -> Any:
        return D.make(D.backend_of(self.array).logical_not(self._bool()), None)

    def logical_and(self, o: Any) -> Any:
        o = o if isinstance(o, D.Tensor) else D.const(self, o)
        return D.make(D.backend_of(self.array).logical_and(self._bool(), o._bool()), None)

    def logical_or(self, o: Any) -> Any:
        o = o if isinstance(o, D.Tensor) else D.const(self, o)
        return D.make(D.backend_of(self.array).logical_or(self._bool(), o._bool()), None)

    def _bool(self) -> Any:
        xp = D.backend_of(self.array)
        return self.array if self.dtype.kind == "b" else xp.not_equal(self.array, 0)

    # ---- arithmetic with PyTorch's method names ---------------------------------------------
    def add(self, other: Any, alpha: Any = 1) -> Any:
        """self + alpha·other."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, alpha: Any = 1) -> Any:
        """self - alpha·other."""
        return self - (other if alpha == 1 else other * alpha)

    subtract = sub

    def mul(self, other: Any) -> Any:
        return self * other

    multiply = mul

    def div(self, other: Any, rounding_mode: str | None = None) -> Any:
        """self / other; rounding_mode 'floor' or 'trunc' rounds the quotient (no gradient)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(
                "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                f"'{rounding_mode}'"
            )
        (a, b), d = D.promote("div", self, other)
        xp = D.backend_of(a.array)
        if d.kind in "iu":  # an integer quotient by 0 is an error in torch (no inf to give)
            if xp.reads_back_cheaply and bool(xp.any(b.array == 0)):
                raise RuntimeError("ZeroDivisionError")
            q = xp.floor_divide(a.array, b.array)
            if rounding_mode == "trunc":  # floor and trunc differ where the signs differ
                q = xp.where((q < 0) & (q * b.array != a.array), q + 1, q)
            return D.make(q, None)
        return D.apply(E.Step, a / b, fn=rounding_mode)

    divide = true_divide = div

    def floor_divide(self, other: Any) -> Any:
        return self.div(other, rounding_mode="floor")

    def remainder(self, other: Any) -> Any:
        """self - floor(self / other) · other: the sign of the divisor, as Python's %."""
        return self - self.div(other, rounding_mode="floor") * other

    def fmod(self, other: Any) -> Any:
        """self - trunc(self / other) · other: the sign of the dividend, as C's fmod."""
        return self - self.div(other, rounding_mode="trunc") * other

    def pow(self, exponent: Any) -> Any:
        return self**exponent

    def neg(self) -> Any:
        return -self

    negative = neg

    def reciprocal(self) -> Any:
        return 1.0 / self

    def square(self) -> Any:
        return self * self

    def matmul(self, other: Any) -> Any:
        """Matrix product with NumPy's/PyTorch's broadcasting of batch dimensions."""
        return D.apply(ops.Matmul, *D.promote("matmul", self, other)[0])

    def mm(self, other: Any) -> Any:
        """The product of two 2-D matrices."""
        if self.ndim != 2 or getattr(other, "ndim", 0) != 2:
            raise RuntimeError(
                f"mm: both arguments must be 2-D matrices, got {tuple(self.shape)} and "
                f"{getattr(other, 'shape', ())}"
            )
        return self.matmul(other)

    def bmm(self, other: Any) -> Any:
        """Batched product of (b, n, k) and (b, k, m) tensors."""
        if self.ndim != 3 or getattr(other, "ndim", 0) != 3 or self.shape[0] != other.shape[0]:
            raise RuntimeError(
                "bmm: expected two 3-D tensors with the same batch size, got "
                f"{tuple(self.shape)} and {getattr(other, 'shape', ())}"
            )
        return self.matmul(other)

    def mv(self, vec: Any) -> Any:
        """Matrix (n, k) times vector (k,)."""
        if self.ndim != 2 or getattr(vec, "ndim", 0) != 1:
            raise RuntimeError(
                f"mv: expected a 2-D matrix and a 1-D vector, got {tuple(self.shape)} and "
                f"{getattr(vec, 'shape', ())}"
            )
        return self.matmul(vec)

    def dot(self, other: Any) -> Any:
        """Inner product of two 1-D tensors."""
        if self.ndim != 1 or getattr(other, "ndim", 0) != 1:
            raise RuntimeError(
                f"1D tensors expected, but got {self.ndim}D and "
                f"{getattr(other, 'ndim', 0)}D tensors"
            )
        return self.matmul(other)
