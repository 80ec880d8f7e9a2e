"""Tensor methods for the reductions beyond sums and maxima: products, running sums and
products, norms, the order statistics `kthvalue` and `median`, and the comparisons that reduce
to one bool (`equal`, `allclose`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import dispatch as D
from . import reductions as R
from .tensor_args import KthvalueResult, MedianResult, dims, with_out


def _accumulator(x: Any, dtype: Any) -> Any:
    """x in the dtype a product or a running sum accumulates in: `dtype` if given, int64 for
    bool and integer tensors (as torch), else x's own."""
    if dtype is not None:
        return x.to(dtype)
    return x.to(D.dt.int64) if x.dtype.kind in "biu" else x


class ReductionMethods:
    """Products, running sums, norms and order statistics (mixed into Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    @with_out
    def prod(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        dtype: Any = None,
        axis: Any = None,
        keepdims: Any = None,
    ) -> Any:
        """The product over `dim` (all elements by default); its gradient is exact at zeros."""
        dim, keep = dims(dim, axis, keepdim, keepdims)
        return D.apply(R.Prod, _accumulator(self, dtype), axis=dim, keepdims=keep)

    @with_out
    def cumsum(self, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Any:
        """Running sums along `dim`: out[i] = self[0] + ... + self[i]."""
        dim = self._required_dim(dim, axis, "cumsum")
        return D.apply(R.Cumsum, _accumulator(self, dtype), axis=dim)

    @with_out
    def cumprod(self, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Any:
        """Running products along `dim`; the gradient is exact where elements are 0."""
        dim = self._required_dim(dim, axis, "cumprod")
        return D.apply(R.Cumprod, _accumulator(self, dtype), axis=dim)

    def _required_dim(self, dim: Any, axis: Any, name: str) -> int:
        dim, _ = dims(dim, axis, False, None)
        if dim is None:
            raise TypeError(f"{name}() missing 1 required argument: 'dim'")
        return self._dim(dim)

    @with_out
    def norm(
        self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None
    ) -> Any:
        """torch.norm: the 2-norm (p='fro' or 2) over `dim` (all elements by default), any
        p-norm (inf, -inf, 0, 1, ...), or p='nuc'; lg.linalg has the newer spellings."""
        from .linalg import tensor_norm

        return tensor_norm(self, p, dim, keepdim, dtype)

    @with_out
    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        """The k-th smallest element along `dim` (k counts from 1), with its index."""
        d = self._dim(dim)
        n = self.shape[d] if self.ndim else 1
        if n == 0:
            raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
        if not 1 <= k <= n:
            raise RuntimeError(
                f"kthvalue(): selected number k={k} out of range for dimension {d} of size {n}"
            )
        order = self.argsort(d, stable=True)
        return self._pick(
            order.narrow(d, k - 1, 1) if self.ndim else order, d, keepdim, KthvalueResult
        )

    @with_out
    def median(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The lower median (the ⌈n/2⌉-th smallest, not an average); nan if a nan is present.
        With `dim`, (values, indices) along it."""
        if dim is None:
            flat = self.reshape(-1)
            if flat.numel() == 0:
                return D.const(self, float("nan"), self.dtype if self.dtype.kind == "f" else None)
            m = flat.median(0).values.reshape(())
            if not flat.requires_grad:
                return m
            # as torch, the gradient of the value alone is shared evenly among the elements equal
            # to it (the nan ones when it is nan): m + Σ_ties (x - m) / #ties is m, exactly
            m = m.detach()
            ties = (flat == m) | (flat.isnan() & m.isnan())
            return m + (flat - m).where(ties, 0.0).sum() / ties.sum()
        d = self._dim(dim)
        n = self.shape[d] if self.ndim else 1
        if n == 0:
            raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
        order = self.argsort(d, stable=True)
        # nan sorts last and wins: where a slice holds one, pick the first nan instead
        nans = self.isnan().sum(d, keepdim=True) if self.ndim else self.isnan().long()
        at = (nans > 0).long() * (n - nans) + (nans == 0).long() * ((n - 1) // 2)
        return self._pick(order.gather(d, at) if self.ndim else order, d, keepdim, MedianResult)

    def _pick(self, idx: Any, d: int, keepdim: bool, result: Any) -> Any:
        """(self's values at the kept indices `idx` along d, the indices) as a named tuple."""
        values = self.gather(d, idx) if self.ndim else self.clone()
        if not keepdim and self.ndim:
            values, idx = values.squeeze(d), idx.squeeze(d)
        return result(values, idx)

    # ---- comparisons of whole tensors: one Python bool (torch.equal, torch.allclose) ---------
    def equal(self, other: Any) -> bool:
        """True if both have the same shape and elements."""
        from .functions import equal

        return equal(self, other)  # type: ignore[arg-type]

    def isclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> Any:
        """Where |self - other| <= atol + rtol |other| (a bool tensor)."""
        from .functions import isclose

        return isclose(self, other, rtol, atol, equal_nan)  # type: ignore[arg-type]

    def allclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> bool:
        """True if isclose holds everywhere."""
        from .functions import allclose

        return allclose(self, other, rtol, atol, equal_nan)  # type: ignore[arg-type]
