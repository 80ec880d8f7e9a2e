"""Tensor methods that compute: elementwise functions and reductions (operators live in
`tensor_operators.py`, the rest of the math in `tensor_elementwise.py`, `tensor_reduce.py`,
`tensor_sort.py` and `tensor_linalg.py`).

Each is one line handing the arrays to an op through `apply` (or `binary`, which promotes dtypes
as PyTorch does first). PyTorch's names and keywords (`dim`, `keepdim`) come first; NumPy's
`axis`/`keepdims` are accepted as aliases.
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, Any

from . import dispatch as D
from . import elementwise as E
from . import reductions as R
from . import softmax_ops as S
from .tensor_args import dims, with_out
from .tensor_elementwise import ElementwiseMethods
from .tensor_linalg import LinalgMethods
from .tensor_operators import OperatorMethods
from .tensor_reduce import ReductionMethods
from .tensor_sort import SortingMethods

# named "max"/"min" as torch's return types print: max(values=..., indices=...)
MaxResult = namedtuple("max", ["values", "indices"])  # type: ignore[name-match]
MinResult = namedtuple("min", ["values", "indices"])  # type: ignore[name-match]


class MathMethods(
    OperatorMethods, ElementwiseMethods, ReductionMethods, SortingMethods, LinalgMethods
):
    """Elementwise functions and reductions (mixed into Tensor); operators and the rest of the
    math come from the mixins named after them."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    # ---- elementwise ----------------------------------------------------------------------
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

    # ---- reductions -----------------------------------------------------------------------
    @with_out
    def sum(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        dtype: Any = None,
        axis: Any = None,
        keepdims: Any = None,
    ) -> Any:
        dim, keep = dims(dim, axis, keepdim, keepdims)
        if dim is None and not keep and dtype is None and self._node is not None:
            fused = self._fused_total(1.0)
            if fused is not None:
                return fused
        x = self if dtype is None else self.to(dtype)
        if x.dtype.kind in "bu" or (x.dtype.kind == "i" and x.dtype.itemsize < 8):
            x = x.to(D.dt.int64)  # torch sums bool and small ints as int64
        return D.apply(R.Sum, x, axis=dim, keepdims=keep)

    def _fused_total(self, scale: float) -> Any:
        """Σ or mean of per-example log-probabilities as one op with the log-probability's
        own (the likelihood fused with its reduction): None when that op cannot fuse."""
        reduced = getattr(self._node.op, "reduced", None)
        if reduced is None or not D._MODE.enabled or not self.array.size:
            return None
        made = reduced(self._node, self.array, scale)
        return None if made is None else D.make(made[1], made[0])

    @with_out
    def mean(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        dtype: Any = None,
        axis: Any = None,
        keepdims: Any = None,
    ) -> Any:
        dim, keep = dims(dim, axis, keepdim, keepdims)
        x = self if dtype is None else self.to(dtype)
        if x.dtype.kind not in "fc":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {x.dtype}. Convert first, e.g. x.float().mean()"
            )
        if (
            dim is None
            and not keep
            and dtype is None
            and self._node is not None
            and self.array.size
        ):
            fused = self._fused_total(1.0 / self.array.size)
            if fused is not None:
                return fused
        return D.apply(R.Mean, x, axis=dim, keepdims=keep)

    def _extreme(self, dim: Any, keepdim: bool, sign: int, result: Any) -> Any:
        if dim is None:
            return D.apply(R.Amax, self, axis=None, keepdims=False, sign=sign)
        d = self._dim(dim)
        idx = (self.argmax if sign > 0 else self.argmin)(d, keepdim=True)
        values = self.gather(d, idx)
        if not keepdim and self.ndim:
            values, idx = values.squeeze(d), idx.squeeze(d)
        return result(values, idx)

    @with_out
    def max(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        """The maximum; with a dim, (values, indices) as a named tuple (the gradient goes to the
        index returned). `max(other_tensor)` is the elementwise maximum."""
        if hasattr(dim, "shape"):
            return self.maximum(dim)
        dim, keep = dims(dim, axis, keepdim, keepdims)
        return self._extreme(dim, keep, 1, MaxResult)

    @with_out
    def min(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        """The minimum; with a dim, (values, indices) as a named tuple."""
        if hasattr(dim, "shape"):
            return self.minimum(dim)
        dim, keep = dims(dim, axis, keepdim, keepdims)
        return self._extreme(dim, keep, -1, MinResult)

    @with_out
    def amax(
        self, dim: Any = (), keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        """The maximum over dims (all when none are given); ties share the gradient evenly."""
        dim, keep = dims(dim, axis, keepdim, keepdims)
        return D.apply(R.Amax, self, axis=None if dim == () else dim, keepdims=keep, sign=1)

    @with_out
    def amin(
        self, dim: Any = (), keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        dim, keep = dims(dim, axis, keepdim, keepdims)
        return D.apply(R.Amax, self, axis=None if dim == () else dim, keepdims=keep, sign=-1)

    def _arg(self, dim: Any, keepdim: bool, fn: str) -> Any:
        xp = D.backend_of(self.array)
        if dim is None:
            if self.numel() == 0:
                raise RuntimeError(
                    f"{fn}(): Expected reduction dim to be specified for input.numel() == 0."
                )
            out = getattr(xp, fn)(xp.reshape(self.array, (-1,)))
            if keepdim:
                out = xp.reshape(out, (1,) * self.ndim)
        else:
            d = self._dim(dim)
            if self.ndim and self.shape[d] == 0:
                raise IndexError(f"{fn}(): Expected reduction dim {d} to have non-zero size.")
            out = getattr(xp, fn)(
                self.array, axis=d if self.ndim else None, keepdims=keepdim and self.ndim > 0
            )
        return D.make(
            xp.astype(xp.asarray(out), D.backend_of(self.array).native_dtype(D.dt.int64)), None
        )

    @with_out
    def argmax(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        """Indices of the maxima (int64, no gradient); the first one at ties."""
        dim, keep = dims(dim, axis, keepdim, keepdims)
        return self._arg(dim, keep, "argmax")

    @with_out
    def argmin(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        dim, keep = dims(dim, axis, keepdim, keepdims)
        return self._arg(dim, keep, "argmin")

    @with_out
    def logsumexp(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        """log Σ exp over dims, computed stably (-inf over an empty dim)."""
        dim, keep = dims(dim, axis, keepdim, keepdims)
        return D.apply(R.LogSumExp, self._float(), axis=dim, keepdims=keep)

    def softmax(self, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Any:
        dim, _ = dims(dim, axis, False, None)
        x = self._float() if dtype is None else self.to(dtype)
        return D.apply(S.Softmax, x, axis=-1 if dim is None else dim)

    def log_softmax(self, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Any:
        dim, _ = dims(dim, axis, False, None)
        x = self._float() if dtype is None else self.to(dtype)
        return D.apply(S.LogSoftmax, x, axis=-1 if dim is None else dim)

    @with_out
    def var(
        self,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: bool = False,
        *,
        correction: Any = None,
        axis: Any = None,
        keepdims: Any = None,
    ) -> Any:
        """Σ (x - mean)² / (N - correction); correction 1 (unbiased, the default) or 0."""
        if isinstance(unbiased, bool) and correction is None:
            correction = int(unbiased)
        elif unbiased is not None and not isinstance(
            unbiased, bool
        ):  # var(dim, keepdim) typo guard
            raise TypeError("var(): unbiased must be a bool; pass dim= and keepdim= by name")
        correction = 1 if correction is None else correction
        dim, keep = dims(dim, axis, keepdim, keepdims)
        x = self._float()
        axes = R.normalize_axis(dim, x.ndim)
        n = 1
        for a in axes:
            n *= x.shape[a]
        dev = x - x.mean(axes, keepdim=True)
        return (dev * dev).sum(axes, keepdim=keep) / max(n - correction, 0)

    @with_out
    def std(
        self,
        dim: Any = None,
        unbiased: Any = None,
        keepdim: bool = False,
        *,
        correction: Any = None,
        axis: Any = None,
        keepdims: Any = None,
    ) -> Any:
        """The square root of `var` (same arguments)."""
        return self.var(
            dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims
        ).sqrt()

    @with_out
    def all(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        dim, keep = dims(dim, axis, keepdim, keepdims)
        xp = D.backend_of(self.array)
        return D.make(
            xp.all(
                self._bool(),
                axis=R.normalize_axis(dim, self.ndim) if dim is not None else None,
                keepdims=keep,
            ),
            None,
        )

    @with_out
    def any(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
    ) -> Any:
        dim, keep = dims(dim, axis, keepdim, keepdims)
        xp = D.backend_of(self.array)
        return D.make(
            xp.any(
                self._bool(),
                axis=R.normalize_axis(dim, self.ndim) if dim is not None else None,
                keepdims=keep,
            ),
            None,
        )

    def count_nonzero(self, dim: Any = None) -> Any:
        return D.make(self._bool(), None).sum(dim)

    # ---- the error function (kernel: special.py; ops: activations.py) ---------------------
    def erf(self) -> Any:
        """erf(x) = 2/√π ∫₀ˣ e^{-t²} dt, accurate to ~1e-15 in float64."""
        from .activations import Erf

        return D.apply(Erf, self._float())

    def erfc(self) -> Any:
        """1 - erf(x), accurate in the tail where erf(x) rounds to 1."""
        from .activations import Erfc

        return D.apply(Erfc, self._float())
