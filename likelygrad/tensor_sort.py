"""Tensor methods that order elements: `sort`, `argsort`, `topk`, `msort`, `unique`, and
counting with `bincount`.

Sorting is stable everywhere (equal elements keep their order, so results are deterministic)
and nan counts as the largest value, as in PyTorch. Values come out through `gather`, so their
gradient flows back to the positions they were taken from; indices are int64 constants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import dispatch as D
from .tensor_args import SortResult, TopkResult


def _int64(xp: Any, a: Any) -> Any:
    return D.make(xp.astype(a, xp.native_dtype(D.dt.int64)), None)


class SortingMethods:
    """Sorting, selecting the largest elements, unique values and counting (mixed into
    Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """The indices that sort `dim` (int64); always stable here (`stable` is accepted)."""
        d = self._dim(dim)
        xp = D.backend_of(self.array)
        if self.ndim == 0:
            dev = getattr(self.array, "device", None)
            return _int64(xp, xp.zeros((), dtype=xp.native_dtype(D.dt.int64), device=dev))
        return _int64(xp, xp.argsort(self.array, axis=d, descending=descending))

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """(values, indices) sorted along `dim`, as a named tuple; stable, nan last (first
        when descending)."""
        idx = self.argsort(dim, descending)
        values = self.gather(self._dim(dim), idx) if self.ndim else self.clone()
        return SortResult(values, idx)

    def msort(self) -> Any:
        """The values sorted along dimension 0."""
        return self.sort(0).values

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        """The k largest (or smallest) elements along `dim` with their indices, largest first
        (always sorted; ties keep their order)."""
        d = self._dim(dim)
        n = self.shape[d] if self.ndim else 1
        if not 0 <= k <= n:
            raise RuntimeError(
                f"topk(): selected index k={k} out of range for dimension {d} of size {n}"
            )
        idx = self.argsort(d, descending=largest)
        if self.ndim:
            idx = idx.narrow(d, 0, k)
            return TopkResult(self.gather(d, idx), idx)
        return TopkResult(self.clone(), idx)

    def unique(
        self,
        sorted: bool = True,  # noqa: A002
        return_inverse: bool = False,
        return_counts: bool = False,
        dim: int | None = None,
    ) -> Any:
        """The distinct values, sorted (of the flattened tensor, or the distinct slices along
        `dim`); optionally where each element went (`return_inverse`) and how many of each
        there are (`return_counts`). Not differentiable, as in torch."""
        xp = D.backend_of(self.array)
        if dim is not None:
            return self._unique_slices(self._dim(dim), return_inverse, return_counts)
        flat = xp.reshape(self.array, (-1,))
        order = xp.argsort(flat, axis=0)
        s = xp.ns.take(flat, order, axis=0)
        n = s.shape[0]
        head = xp.ones((min(n, 1),), dtype=xp.bool, device=getattr(s, "device", None))
        starts = xp.concat([head, s[1:] != s[:-1]])
        (first,) = xp.nonzero(starts)
        out = [D.make(xp.ns.take(s, first, axis=0), None)]
        if return_inverse:  # the group of each sorted element, sent back to its position
            group = xp.cumsum(xp.astype(starts, xp.native_dtype(D.dt.int64)), 0) - 1
            back = xp.argsort(order, axis=0)
            out.append(_int64(xp, xp.reshape(xp.ns.take(group, back, axis=0), self.array.shape)))
        if return_counts:
            ends = xp.concat(
                [first[1:], xp.asarray([n], dtype=first.dtype, device=xp.device_of(first))]
            )
            out.append(_int64(xp, ends - first))
        return out[0] if len(out) == 1 else tuple(out)

    def _unique_slices(self, d: int, return_inverse: bool, return_counts: bool) -> Any:
        """`unique` along a dimension: the slices compared whole, on the host (bookkeeping)."""
        host = np.moveaxis(self.numpy(force=True), d, 0)
        values, inverse, counts = np.unique(
            host.reshape(host.shape[0], -1), axis=0, return_inverse=True, return_counts=True
        )
        values = np.moveaxis(values.reshape(-1, *host.shape[1:]), 0, d)
        out = [D.const(self, values)]
        if return_inverse:
            out.append(D.const(self, inverse.reshape(-1).astype(np.int64)))
        if return_counts:
            out.append(D.const(self, counts.astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    def bincount(self, weights: Any = None, minlength: int = 0) -> Any:
        """How often each value 0, 1, ..., max occurs in a 1-D tensor of non-negative ints (the
        sum of `weights` at those positions instead, if given)."""
        if self.ndim != 1 or self.dtype.kind not in "iu":
            raise RuntimeError(
                f"bincount only supports 1-d non-negative integral inputs, got shape "
                f"{tuple(self.shape)} and dtype {self.dtype}"
            )
        xp = D.backend_of(self.array)
        top = int(xp.max(self.array)) + 1 if self.numel() else 0
        if self.numel() and int(xp.min(self.array)) < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        size = max(top, minlength)
        if weights is None:
            w = xp.ones(
                self.array.shape,
                dtype=xp.native_dtype(D.dt.int64),
                device=getattr(self.array, "device", None),
            )
        else:
            wt = weights if isinstance(weights, D.Tensor) else D.const(self, D.infer(weights))
            if wt.shape != self.shape:
                raise RuntimeError(
                    f"bincount: weights {tuple(wt.shape)} should have the same shape as input "
                    f"{tuple(self.shape)}"
                )
            # torch counts float32 weights in float32 and everything else in float64
            wd = wt.dtype if wt.dtype == D.dt.float32 else D.dt.float64
            w = wt.to(wd).array
        zeros = xp.zeros((size,), dtype=w.dtype, device=getattr(self.array, "device", None))
        return D.make(xp.scatter_reduce(zeros, (self.array,), w, "sum"), None)
