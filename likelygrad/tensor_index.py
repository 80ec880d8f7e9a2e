"""Tensor methods that read or write elements by position, and the in-place updates.

Indexing follows NumPy's rules, which PyTorch shares: ints, slices, None, Ellipsis, integer
tensors/arrays/lists (advanced indexing, a copy) and boolean masks. Writing (`x[i] = v` and the
`*_` methods) follows PyTorch's rules under autograd: allowed on tensors outside a graph and
inside `no_grad`; a leaf that requires grad raises; a tensor saved for backward and changed in
place makes that backward raise (version counters).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dispatch as D
from . import dtypes as dt
from . import elementwise as E
from . import indexing as IX
from . import inplace as IP
from .backend import backend_of
from .errors import ShapeError
from .index_args import along_dim, convert_index, on_device_of
from .tensor_inplace import InplaceMethods


class IndexingMethods(InplaceMethods):
    """Reading and writing by position; in-place updates come from InplaceMethods (mixed
    into Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

    def __getitem__(self, index: Any) -> Any:
        idx = convert_index(self, index)
        op = IX.Take if IX.is_advanced(idx) else IX.GetItem
        try:
            return D.apply(op, self, index=idx)
        except IndexError as e:
            raise IndexError(f"{e} (indexing a tensor of shape {tuple(self.shape)})") from None

    def __setitem__(self, index: Any, value: Any) -> None:
        idx = convert_index(self, index)
        IP.check_inplace(self, "index assignment x[...] = v")
        v = (
            value
            if isinstance(value, D.Tensor)
            else D.const(self, value if not isinstance(value, list) else D.infer(value))
        )
        v = D.cpu_scalar_to(v, self)  # x[0] = torch.tensor(5.0) on a GPU tensor
        if D._MODE.enabled and (self._node is not None or v._node is not None):
            if v.dtype != self.dtype:
                v = v.to(self.dtype)
            IP.inplace(self, IX.SetItem, v, what="index assignment", index=idx)
            return
        xp = backend_of(self.array)
        va = v.array if xp.dtype_of(v.array) == self.dtype else xp.astype(v.array, self.array.dtype)
        try:
            if IX.is_advanced(idx) and type(self.array) is not np.ndarray:
                self.array[...] = xp.put(self.array, idx, va)  # the Array API has no x[ints] = v
            else:
                where = idx if IX.is_advanced(idx) else tuple(p for p in idx if p is not None)
                self.array[where] = va
        except ValueError as e:  # NumPy's "could not broadcast": torch's RuntimeError
            raise ShapeError(
                f"shape mismatch: value tensor of shape {list(v.shape)} cannot be broadcast to "
                f"the indexing result ({e})"
            ) from None
        self._version[0] += 1

    def gather(self, dim: int, index: Any) -> Any:
        """out[i][j] = self[index[i][j]][j] for dim 0 (along `dim` in general); index is int64."""
        d, idx = along_dim(self, dim, index, "gather")
        out = D.apply(IX.Gather, self, idx=idx, axis=d)
        return out.reshape(()) if np.ndim(getattr(index, "array", index)) == 0 else out

    def take_along_dim(self, indices: Any, dim: int) -> Any:
        return self.gather(dim, indices)

    def take(self, index: Any) -> Any:
        """The elements at `index` (int64, any shape) of self read as 1-D in row-major order;
        negative positions count from the end. The result has index's shape."""
        if not isinstance(index, D.Tensor) or index.dtype != np.int64:
            got = index.dtype if isinstance(index, D.Tensor) else type(index).__name__
            raise RuntimeError(f"take(): Expected a long tensor for index, but got {got}")
        n = self.numel()
        positions = index.numpy(force=True)
        bad = positions[(positions >= n) | (positions < -n)]
        if bad.size:
            raise IndexError(
                f"out of range: tried to access index {bad.flat[0]} on a tensor of {n} elements."
            )
        return self.reshape(-1)[index]

    def index_select(self, dim: int, index: Any) -> Any:
        """The entries at positions `index` (1-D) along `dim`."""
        d = self._dim(dim)
        return self[(slice(None),) * d + (index,)]

    def masked_fill(self, mask: Any, value: Any) -> Any:
        """A copy with `value` where `mask` is True; the gradient flows where it is False."""
        m = on_device_of(self, mask if isinstance(mask, D.Tensor) else np.asarray(mask, dtype=bool))
        if isinstance(value, D.Tensor):  # a 0-d tensor: differentiable, as in torch
            if value.ndim:
                raise RuntimeError(
                    f"masked_fill only supports a 0-dimensional value tensor, but got tensor "
                    f"with {value.ndim} dimension(s)"
                )
            fill = value if value.dtype == self.dtype else value.to(self.dtype)
        else:
            fill = D.const(self, value)
        return D.apply(E.Where, fill, self, cond=m)

    def where(self, condition: Any, other: Any) -> Any:
        """self where condition else other (PyTorch's method form)."""
        from .functions import where

        return where(condition, self, other)

    def masked_select(self, mask: Any) -> Any:
        return self[mask]

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """Indices of the nonzero elements: an (n, ndim) int64 tensor, or a tuple of 1-D ones."""
        xp = backend_of(self.array)
        found = xp.nonzero(self.array if self.ndim else xp.reshape(self.array, (1,)))
        parts = [D.make(xp.astype(p, xp.native_dtype(dt.int64)), None) for p in found]
        if as_tuple:
            return tuple(parts)
        if not parts:
            dev = getattr(self.array, "device", None)
            return D.make(xp.zeros((0, 0), dtype=xp.native_dtype(dt.int64), device=dev), None)
        return D.make(xp.stack([p.array for p in parts], axis=1), None)

    # ---- scatters: writing at positions named by an index -----------------------------------
    def _scatter_args(self, dim: int, index: Any, src: Any, name: str) -> tuple[Any, Any, Any]:
        """(positions, src as a tensor, the shape of src the index reads) for scatter ops."""
        if isinstance(src, D.Tensor):
            if src.ndim == 0 and self.ndim == 1:  # one value for a 0-d index, as in torch
                src = src.reshape(1)
            if src.ndim != self.ndim:
                raise RuntimeError(
                    f"{name}(): Index tensor must have the same number of dimensions as src "
                    f"tensor ({self.ndim} vs {src.ndim})"
                )
            d, idx = along_dim(self, dim, index, name)
            for a, (n, m) in enumerate(zip(idx.shape, src.shape)):
                if n > m:
                    raise RuntimeError(
                        f"{name}(): Expected index {tuple(idx.shape)} to be smaller than src "
                        f"{tuple(src.shape)} apart from dimension {a}"
                    )
            s = src if src.dtype == self.dtype else src.to(self.dtype)
            used = tuple(idx.shape)
        else:
            d, idx = along_dim(self, dim, index, name)
            s, used = D.const(self, src), None
        return IX.along_axis_index(backend_of(self.array), idx, d), s, used

    def scatter(
        self, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: Any = None
    ) -> Any:
        """A copy with src[i][j] written at [index[i][j]][j] (dim 0; along `dim` in general),
        or `value` there. reduce='add' or 'multiply' combines instead (see scatter_reduce)."""
        src = value if src is None else src
        if src is None:
            raise TypeError("scatter() needs src (a tensor) or value (a number)")
        if reduce is not None:
            modes = {"add": "sum", "multiply": "prod"}
            if reduce not in modes:
                raise RuntimeError(
                    f"scatter(): reduce argument must be add or multiply, got {reduce!r}"
                )
            if not isinstance(src, D.Tensor):
                src = D.const(self, np.full(np.shape(index), src), self.dtype)
            return self.scatter_reduce(dim, index, src, modes[reduce])
        pos, s, used = self._scatter_args(dim, index, src, "scatter")
        return D.apply(IX.Scatter, self, s, index=pos, used=used)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Any:
        """A copy with src[i][j] added at [index[i][j]][j] (dim 0); repeats add up."""
        return self.scatter_reduce(dim, index, src, "sum")

    def scatter_reduce(
        self, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
    ) -> Any:
        """src combined into a copy at the positions scatter writes, by 'sum', 'prod', 'mean',
        'amax' or 'amin'; with include_self=False the positions' own values are left out."""
        reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # torch takes both names
        if reduce not in ("sum", "prod", "mean", "amax", "amin"):
            raise RuntimeError(
                f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
            )
        pos, s, used = self._scatter_args(dim, index, src, "scatter_reduce")
        op = IX.ScatterAdd if reduce in ("sum", "mean") else IX.ScatterReduce
        return D.apply(op, self, s, index=pos, used=used, reduce=reduce, include_self=include_self)

    def _along(self, dim: int, index: Any, name: str) -> tuple[int, Any]:
        """(dim, a 1-D index array checked against that dim's size) for the index_* ops."""
        d = self._dim(dim)
        idx = on_device_of(self, index if isinstance(index, D.Tensor) else np.asarray(index))
        if idx.ndim > 1 or dt.as_dtype(idx.dtype).kind not in "iu":
            raise RuntimeError(f"{name}(): Index is supposed to be a vector of integers")
        if idx.ndim == 0:
            idx = backend_of(self.array).reshape(idx, (1,))
        n = self.shape[d] if self.ndim else 1
        if math.prod(idx.shape):
            xp = backend_of(self.array)
            lo, hi = int(xp.min(idx)), int(xp.max(idx))
            if lo < -n or hi >= n:
                raise IndexError(
                    f"{name}(): index {lo if lo < -n else hi} is out of bounds for dimension "
                    f"{d} with size {n}"
                )
        return d, idx

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        """A copy with alpha · source[..., i, ...] added at [..., index[i], ...] along `dim`."""
        d, idx = self._along(dim, index, "index_add")
        k = idx.shape[0] if idx.ndim else 1
        want = tuple(k if a == d else n for a, n in enumerate(self.shape))
        if tuple(source.shape) != want:
            raise RuntimeError(
                f"index_add(): source {tuple(source.shape)} must have the shape of self "
                f"{tuple(self.shape)} "
                f"with dimension {d} of size len(index) = {k}, i.e. {want}"
            )
        src = source if alpha == 1 else source * alpha
        if src.dtype != self.dtype:
            src = src.to(self.dtype)
        pos = (slice(None),) * d + (idx,)
        return D.apply(IX.ScatterAdd, self, src, index=pos, reduce="sum", include_self=True)

    def index_fill(self, dim: int, index: Any, value: Any) -> Any:
        """A copy with `value` (a number or a 0-d tensor) at positions `index` along `dim`."""
        d, idx = self._along(dim, index, "index_fill")
        v = value if isinstance(value, D.Tensor) else D.const(self, value)
        if v.ndim:
            raise RuntimeError(
                f"index_fill(): value must be a 0-d tensor or a number, got {tuple(v.shape)}"
            )
        xp = backend_of(self.array)
        unique = on_device_of(self, np.unique(np.asarray(xp.to_numpy(idx)) % max(self.shape[d], 1)))
        v = v if v.dtype == self.dtype else v.to(self.dtype)
        return D.apply(IX.Scatter, self, v, index=(slice(None),) * d + (unique,))

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Any:
        """A copy with self[indices] = values (a tuple of index tensors, as x[i, j] = v), or
        += values when `accumulate` (repeated positions then add up)."""
        idx = convert_index(self, tuple(indices))
        v = values if isinstance(values, D.Tensor) else D.const(self, D.infer(values))
        v = v if v.dtype == self.dtype else v.to(self.dtype)
        if accumulate:
            return D.apply(IX.ScatterAdd, self, v, index=idx, reduce="sum", include_self=True)
        return D.apply(IX.Scatter, self, v, index=idx)

    def masked_scatter(self, mask: Any, source: Any) -> Any:
        """A copy with the elements where `mask` is True replaced, in order, by the first
        elements of `source`."""
        m = mask if isinstance(mask, D.Tensor) else D.const(self, np.asarray(mask, dtype=bool))
        if m.dtype.kind != "b":
            raise RuntimeError(f"masked_scatter_: expected BoolTensor for mask, got {m.dtype}")
        m = m.expand(*self.shape) if m.shape != self.shape else m
        k = int(m.sum().item())
        if source.numel() < k:
            raise RuntimeError(
                f"masked_scatter: expected source to have at least {k} elements (the number of "
                f"True values in mask), got {source.numel()}"
            )
        vals = source.reshape(-1)[:k]
        vals = vals if vals.dtype == self.dtype else vals.to(self.dtype)
        return D.apply(IX.Scatter, self, vals, index=(on_device_of(self, m),))
