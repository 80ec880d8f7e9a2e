"""Tensor methods for the elementwise functions beyond arithmetic: exponentials and logarithms,
activations (`sigmoid`, `relu`, ...), rounding and clamping, the trigonometric and hyperbolic
functions, `erf`, and the rest of PyTorch's (`atan2`, `hypot`, `lerp`, `exp2`, `nan_to_num`, ...).

Integer inputs become the default float dtype first, as in torch (`torch.sin(int)` is float).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import dispatch as D
from . import elementwise as E
from . import trigonometry as TR


class ElementwiseMethods:
    """Elementwise functions (mixed into Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def _float(self) -> Any:
        """Integer tensors become the default float dtype first (torch.exp(int) is a float)."""
        return self if self.dtype.kind in "fc" else self.to(D.dt.get_default_dtype())

    def exp(self) -> Any:
        return D.apply(E.Exp, self._float())

    def expm1(self) -> Any:
        return D.apply(E.Expm1, self._float())

    def log(self) -> Any:
        return D.apply(E.Log, self._float())

    def log1p(self) -> Any:
        return D.apply(E.Log1p, self._float())

    def log2(self) -> Any:
        return self.log() * (1 / 0.6931471805599453)

    def log10(self) -> Any:
        return self.log() * (1 / 2.302585092994046)

    def sqrt(self) -> Any:
        return D.apply(E.Sqrt, self._float())

    def rsqrt(self) -> Any:
        return 1.0 / self.sqrt()

    def abs(self) -> Any:
        return D.apply(E.Abs, self)

    absolute = abs

    def sigmoid(self) -> Any:
        return D.apply(E.Sigmoid, self._float())

    def tanh(self) -> Any:
        return D.apply(E.Tanh, self._float())

    def relu(self) -> Any:
        return D.apply(E.Relu, self)

    def softplus(self) -> Any:
        """log(1 + e^x), computed stably."""
        return D.apply(E.Softplus, self._float())

    def log_sigmoid(self) -> Any:
        """log σ(x) = -softplus(-x), computed stably (log_sigmoid(-1000) = -1000)."""
        return D.apply(E.LogSigmoid, self._float())

    def _step(self, fn: str, **kw: Any) -> Any:
        if self.dtype.kind in "iub" and fn != "sign":
            return self.clone()
        return D.apply(E.Step, self, fn=fn, **kw)

    def floor(self) -> Any:
        return self._step("floor")

    def ceil(self) -> Any:
        return self._step("ceil")

    def round(self, decimals: int = 0) -> Any:
        """Round half to even (as torch and NumPy); `decimals` digits after the point."""
        return self._step("round", decimals=decimals)

    def trunc(self) -> Any:
        return self._step("trunc")

    fix = trunc

    def frac(self) -> Any:
        return self - self.trunc()

    def sign(self) -> Any:
        return self._step("sign")

    def clamp(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        """Limit values to [min, max] (tensor bounds allowed); gradient 1 inside, else 0."""
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if hasattr(min, "shape") or hasattr(max, "shape"):
            out = self if min is None else self.maximum(min)
            return out if max is None else out.minimum(max)
        lo = None if min is None else min.item() if hasattr(min, "item") else min
        hi = None if max is None else max.item() if hasattr(max, "item") else max
        x = self
        if any(isinstance(v, float) for v in (lo, hi)) and self.dtype.kind in "iub":
            x = self.to(D.dt.get_default_dtype())
        return D.apply(E.Clip, x, lo=lo, hi=hi)

    clip = clamp

    def clamp_min(self, min: Any) -> Any:  # noqa: A002
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> Any:  # noqa: A002
        return self.clamp(max=max)

    def maximum(self, other: Any) -> Any:
        """Elementwise maximum; at ties each input gets half the gradient."""
        return D.apply(E.Maximum, *D.promote("maximum", self, other)[0])

    def minimum(self, other: Any) -> Any:
        """Elementwise minimum; at ties each input gets half the gradient."""
        return D.apply(E.Minimum, *D.promote("minimum", self, other)[0])

    def isnan(self) -> Any:
        return D.make(D.backend_of(self.array).isnan(self.array), None)

    def isinf(self) -> Any:
        return D.make(D.backend_of(self.array).isinf(self.array), None)

    def isfinite(self) -> Any:
        return D.make(D.backend_of(self.array).isfinite(self.array), None)

    # ---- trigonometric and hyperbolic (ops: trigonometry.py) -------------------------------
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

    # ---- the error function (kernel: special.py; ops: activations.py) ---------------------
    def erf(self) -> Any:
        """erf(x) = 2/√π ∫₀ˣ e^{-t²} dt, accurate to ~1e-15 in float64."""
        from .activations import Erf

        return D.apply(Erf, self._float())

    def erfc(self) -> Any:
        """1 - erf(x), accurate in the tail where erf(x) rounds to 1."""
        from .activations import Erfc

        return D.apply(Erfc, self._float())
