"""Tensor methods that compute: the common reductions (`sum`, `mean`, `max`, `softmax`, `var`,
...) here, and the mixins that hold the rest of the math (operators in `tensor_operators.py`,
elementwise functions in `tensor_elementwise.py`, more reductions in `tensor_reduce.py`, sorting
in `tensor_sort.py`, linear algebra in `tensor_linalg.py`).

Each is one line handing the arrays to an op through `apply` (or `binary`, which promotes dtypes
as PyTorch does first). PyTorch's names and keywords (`dim`, `keepdim`) come first; NumPy's
`axis`/`keepdims` are accepted as aliases.
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, Any

from . import dispatch as D
from . import reductions as R
from . import softmax_ops as S
from .tensor_args import dims, with_out
from .tensor_elementwise import ElementwiseMethods
from .tensor_linalg import LinalgMethods
from .tensor_operators import OperatorMethods
from .tensor_pointwise import PointwiseMethods
from .tensor_reduce import ReductionMethods
from .tensor_sort import SortingMethods
from .tensor_stats import StatisticsMethods

# named "max"/"min" as torch's return types print: max(values=..., indices=...)
MaxResult = namedtuple("max", ["values", "indices"])  # type: ignore[name-match]
MinResult = namedtuple("min", ["values", "indices"])  # type: ignore[name-match]


class MathMethods(
    OperatorMethods,
    ElementwiseMethods,
    PointwiseMethods,
    ReductionMethods,
    StatisticsMethods,
    SortingMethods,
    LinalgMethods,
):
    """The common reductions (mixed into Tensor); operators and the rest of the math come from
    the mixins named after them."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

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
        if isinstance(dim, bool):  # var(False): torch's var(unbiased) overload
            dim, unbiased = None, dim
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
