"""Tensor methods that read or write elements by position, and the in-place updates.

Indexing follows NumPy's rules, which PyTorch shares: ints, slices, None, Ellipsis, integer
tensors/arrays/lists (advanced indexing, a copy) and boolean masks. Writing (`x[i] = v` and the
`*_` methods) follows PyTorch's rules under autograd: allowed on tensors outside a graph and
inside `no_grad`; a leaf that requires grad raises; a tensor saved for backward and changed in
place makes that backward raise (version counters).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import dispatch as D
from . import dtypes as dt
from . import elementwise as E
from . import indexing as IX
from . import ops
from .backend import backend_of


def convert_index(t: Any, index: Any) -> tuple:
    """An index as a tuple of what the array library takes (arrays on t's device)."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, D.Tensor):
            p = p.array
        elif isinstance(p, list | range) or (
            isinstance(p, np.ndarray) and type(t.array) is not np.ndarray
        ):
            p = D.infer(list(p) if isinstance(p, range) else p)
        if isinstance(p, np.ndarray) and type(t.array) is not np.ndarray:
            xp = backend_of(t.array)
            p = xp.asarray(p, device=xp.device_of(t.array))
        elif (
            type(t.array) is np.ndarray
            and hasattr(p, "__array_namespace__")
            and not isinstance(p, np.ndarray | np.generic)
        ):
            p = np.asarray(p)
        if hasattr(p, "shape") and hasattr(p, "dtype") and p.ndim == 0:
            if dt.as_dtype(p.dtype).kind in "iu":  # a 0-d integer tensor indexes like an int
                p = int(p)
        out.append(p)
    if type(t.array) is not np.ndarray and not any(p is Ellipsis for p in out):
        out.append(Ellipsis)  # the Array API wants every axis indexed; NumPy implies the rest
    return tuple(out)


def on_device_of(t: Any, a: Any) -> Any:
    """Array `a` (NumPy or t's library) in t's library and on t's device."""
    if isinstance(a, D.Tensor):
        a = a.array
    if type(a) is type(t.array):
        return a
    xp = backend_of(t.array)
    host = a if isinstance(a, np.ndarray) else backend_of(a).to_numpy(a)
    return xp.asarray(np.asarray(host), device=xp.device_of(t.array))


class IndexingMethods:
    """Reading and writing by position, and in-place updates (mixed into Tensor)."""

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
            raise IndexError(f"{e} (indexing a tensor of shape {self.shape})") from None

    def __setitem__(self, index: Any, value: Any) -> None:
        idx = convert_index(self, index)
        D.check_inplace(self, "index assignment x[...] = v")
        v = (
            value
            if isinstance(value, D.Tensor)
            else D.const(self, value if not isinstance(value, list) else D.infer(value))
        )
        if D._MODE.enabled and (self._node is not None or v._node is not None):
            if v.dtype != self.dtype:
                v = v.to(self.dtype)
            D.inplace(self, IX.SetItem, v, what="index assignment", index=idx)
            return
        xp = backend_of(self.array)
        va = v.array if xp.dtype_of(v.array) == self.dtype else xp.astype(v.array, self.array.dtype)
        target = idx if IX.is_advanced(idx) else tuple(p for p in idx if p is not None)
        self.array[target] = va
        self._version[0] += 1

    def gather(self, dim: int, index: Any) -> Any:
        """out[i][j] = self[index[i][j]][j] for dim 0 (along `dim` in general); index is int64."""
        d = self._dim(dim)
        idx = on_device_of(self, index if isinstance(index, D.Tensor) else np.asarray(index))
        if getattr(idx, "ndim", 0) != self.ndim:
            raise RuntimeError(
                "gather(): Index tensor must have the same number of dimensions as input "
                f"tensor ({idx.ndim} vs {self.ndim})"
            )
        return D.apply(IX.Gather, self, idx=idx, axis=d)

    def take_along_dim(self, indices: Any, dim: int) -> Any:
        return self.gather(dim, indices)

    def index_select(self, dim: int, index: Any) -> Any:
        """The entries at positions `index` (1-D) along `dim`."""
        d = self._dim(dim)
        return self[(slice(None),) * d + (index,)]

    def masked_fill(self, mask: Any, value: Any) -> Any:
        """A copy with `value` where `mask` is True; the gradient flows where it is False."""
        m = on_device_of(self, mask if isinstance(mask, D.Tensor) else np.asarray(mask, dtype=bool))
        fill = D.const(self, value.item() if isinstance(value, D.Tensor) else value)
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
            return D.make(xp.zeros((0, 0), dtype=xp.native_dtype(dt.int64)), None)
        return D.make(xp.stack([p.array for p in parts], axis=1), None)

    # ---- in-place updates -------------------------------------------------------------------
    def add_(self, other: Any, alpha: Any = 1) -> Any:
        return D.inplace(self, ops.Add, other if alpha == 1 else other * alpha, what="add_")

    def sub_(self, other: Any, alpha: Any = 1) -> Any:
        return D.inplace(self, ops.Sub, other if alpha == 1 else other * alpha, what="sub_")

    def mul_(self, other: Any) -> Any:
        return D.inplace(self, ops.Mul, other, what="mul_")

    def div_(self, other: Any) -> Any:
        return D.inplace(self, ops.Div, other, what="div_")

    def pow_(self, exponent: Any) -> Any:
        return D.inplace(self, ops.Pow, exponent, what="pow_")

    def neg_(self) -> Any:
        return D.inplace(self, ops.Neg, what="neg_")

    def exp_(self) -> Any:
        return D.inplace(self, E.Exp, what="exp_")

    def log_(self) -> Any:
        return D.inplace(self, E.Log, what="log_")

    def sqrt_(self) -> Any:
        return D.inplace(self, E.Sqrt, what="sqrt_")

    def abs_(self) -> Any:
        return D.inplace(self, E.Abs, what="abs_")

    def relu_(self) -> Any:
        return D.inplace(self, E.Relu, what="relu_")

    def sigmoid_(self) -> Any:
        return D.inplace(self, E.Sigmoid, what="sigmoid_")

    def tanh_(self) -> Any:
        return D.inplace(self, E.Tanh, what="tanh_")

    def clamp_(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return self._write(self.clamp(min, max), "clamp_")

    clip_ = clamp_

    def masked_fill_(self, mask: Any, value: Any) -> Any:
        return self._write(self.masked_fill(mask, value), "masked_fill_")

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

    def _write(self, result: Any, name: str) -> Any:
        """Replace this tensor's values by `result` (computed out of place) in place."""
        D.check_inplace(self, name)
        if D._MODE.enabled and (self._node is not None or result._node is not None):
            return self.copy_(result)
        D.write(self, result.array, name)
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
