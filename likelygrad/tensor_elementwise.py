"""Tensor methods for the trigonometric and hyperbolic functions and the other elementwise
functions of PyTorch beyond arithmetic: `atan2`, `hypot`, `lerp`, `exp2`, `nan_to_num`, ...

Integer inputs become the default float dtype first, as in torch (`torch.sin(int)` is float).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import dispatch as D
from . import elementwise as E
from . import trigonometry as TR


class ElementwiseMethods:
    """Trigonometric, hyperbolic and other elementwise functions (mixed into Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def sin(self) -> Any:
        return D.apply(TR.Sin, self._float())

    def cos(self) -> Any:
        return D.apply(TR.Cos, self._float())

    def tan(self) -> Any:
        return D.apply(TR.Tan, self._float())

    def asin(self) -> Any:
        """The inverse sine, in [-π/2, π/2] (nan outside [-1, 1])."""
        return D.apply(TR.Asin, self._float())

    def acos(self) -> Any:
        """The inverse cosine, in [0, π] (nan outside [-1, 1])."""
        return D.apply(TR.Acos, self._float())

    def atan(self) -> Any:
        return D.apply(TR.Atan, self._float())

    def sinh(self) -> Any:
        return D.apply(TR.Sinh, self._float())

    def cosh(self) -> Any:
        return D.apply(TR.Cosh, self._float())

    def asinh(self) -> Any:
        return D.apply(TR.Asinh, self._float())

    def acosh(self) -> Any:
        return D.apply(TR.Acosh, self._float())

    def atanh(self) -> Any:
        return D.apply(TR.Atanh, self._float())

    arcsin, arccos, arctan = asin, acos, atan
    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def atan2(self, other: Any) -> Any:
        """The angle of the point (other, self): atan(self / other) in the right quadrant."""
        return D.apply(TR.Atan2, *D.promote("atan2", self, other, float_only=True)[0])

    arctan2 = atan2

    def hypot(self, other: Any) -> Any:
        """√(self² + other²), without overflow for large values."""
        return D.apply(TR.Hypot, *D.promote("hypot", self, other, float_only=True)[0])

    def exp2(self) -> Any:
        """2 ** self."""
        return 2.0 ** self._float()

    def lerp(self, end: Any, weight: Any) -> Any:
        """self + weight · (end - self): linear interpolation (weight a number or a tensor)."""
        return D.apply(E.Lerp, *D.promote("lerp", self, end, weight, float_only=True)[0])

    def nan_to_num(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Any:
        """nan, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the
        dtype's largest and smallest finite values); the gradient is 0 at replaced elements."""
        if self.dtype.kind not in "fc":
            return self.clone()
        return D.apply(E.NanToNum, self, nan=nan, posinf=posinf, neginf=neginf)

    def logical_xor(self, other: Any) -> Any:
        """True where exactly one of self and other is nonzero."""
        o = other if isinstance(other, D.Tensor) else D.const(self, other)
        return D.make(D.backend_of(self.array).logical_xor(self._bool(), o._bool()), None)
