"""NumPy's backend: the one table of NumPy-specific code in the engine.

Each method overrides a portable kernel of `kernels.Backend`, or a namespace function, with a
faster NumPy spelling: methods and ufunc `.reduce` instead of the Python wrappers of np.reshape,
np.sum and np.max, `out=` instead of temporaries, `np.add.at` for scatter-adds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .devices import CPU, device
from .kernels import Backend
from .window_kernels_numpy import NumPyWindowKernels


class NumPyBackend(NumPyWindowKernels, Backend):
    """NumPy, with faster spellings of the kernels (ufunc `.reduce`, `out=`, `np.add.at`)."""

    def __init__(self) -> None:
        super().__init__(np, {"cpu": None})
        self.name = "numpy"
        self._aranges: dict[int, np.ndarray] = {}

    def device_of(self, a: Any) -> device:
        return CPU

    def asarray(
        self, obj: Any, dtype: Any = None, device: device | None = None, copy: bool | None = None
    ) -> Any:
        if device is not None and device.type != "cpu":
            raise RuntimeError(f"numpy cannot hold tensors on {device}")
        if type(obj) is np.ndarray and dtype is None and not copy:
            return obj
        return np.array(obj, dtype=dtype, copy=copy)

    def native_dtype(self, dtype: np.dtype) -> Any:
        return dtype

    def dtype_of(self, a: Any) -> np.dtype:
        return a.dtype

    def owns(self, a: Any) -> bool:
        return a.base is None

    # Methods and ufunc .reduce skip the Python wrappers of np.reshape, np.sum, np.max, ...
    # (0.3-2 µs a call, which adds up over the dozens of calls of a small training step).
    def reshape(self, x: Any, shape: tuple[int, ...], copy: bool | None = None) -> Any:
        return x.reshape(shape)

    def matrix_transpose(self, x: Any) -> Any:
        return x.swapaxes(-1, -2)

    def permute_dims(self, x: Any, axes: tuple[int, ...]) -> Any:
        return x.transpose(axes)

    def astype(self, x: Any, dtype: Any, copy: bool = True) -> Any:
        return x.astype(dtype, copy=copy)

    def squeeze(self, x: Any, axis: Any) -> Any:
        return x.squeeze(axis)

    def expand_dims(self, x: Any, axis: int) -> Any:
        a = axis % (x.ndim + 1)
        return x.reshape(x.shape[:a] + (1,) + x.shape[a:])

    def max(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return np.maximum.reduce(x, axis=axis, keepdims=bool(keepdims))  # type: ignore[call-overload]

    def min(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return np.minimum.reduce(x, axis=axis, keepdims=bool(keepdims))  # type: ignore[call-overload]

    def sum(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return np.add.reduce(x, axis=axis, keepdims=bool(keepdims))  # type: ignore[call-overload]

    def sigmoid(self, x: Any) -> Any:
        t = np.negative(x, out=np.empty_like(x))  # out=: a 0-d input stays an array
        with np.errstate(over="ignore"):
            np.exp(t, out=t)
        t += 1
        return np.reciprocal(t, out=t)

    def relu(self, x: Any) -> tuple[Any, Any]:
        # A float mask multiplies about twice as fast as np.maximum or a bool mask does; the
        # product of -inf and 0 would be nan, so infinities are mapped separately.
        keep = (x > 0).astype(x.dtype)
        try:
            with np.errstate(invalid="raise"):  # -inf · 0 is the only invalid product here
                z = x * keep
        except FloatingPointError:
            z = np.where(x > 0, x, np.where(np.isnan(x), x, 0)).astype(x.dtype)
        z += 0  # turns the -0.0 of negative inputs into +0.0
        return z, keep

    def row_major_copy(self, x: Any) -> Any:
        return np.array(x, order="C", copy=True)

    def matmul_t(self, x: Any, w: Any) -> Any:
        return x @ w.T  # BLAS reads the transposed view directly: no copy of w

    def row_softmax(self, x: Any, guard: bool = True) -> tuple[Any, Any]:
        # NumPy reduces a short last axis slowly (it loops per row), so for few classes the rows
        # are reduced across a transposed copy instead; the results are the same.
        if x.shape[1] > 64:
            return super().row_softmax(x, guard)
        t = x.T.copy()
        m = np.maximum.reduce(t, axis=0)
        if guard:
            m = np.where(np.isfinite(m), m, 0)
        t -= m
        np.exp(t, out=t)
        s = np.add.reduce(t, axis=0)
        t /= s
        np.log(s, out=s)
        s += m
        return s, t.T

    def take(self, x: Any, index: tuple) -> Any:
        return x[index]

    def scatter_add(
        self, shape: tuple[int, ...], dtype: Any, index: tuple, g: Any, like: Any
    ) -> Any:
        out = np.zeros(shape, dtype=dtype)
        np.add.at(out, index, g)
        return out

    def scatter_reduce(self, x: Any, index: tuple, v: Any, reduce: str) -> Any:
        out = x.copy()
        _UFUNCS[reduce].at(out, index, v)
        return out

    def put(self, x: Any, index: tuple, v: Any) -> Any:
        out = x.copy()
        out[index] = v
        return out

    def argsort(self, x: Any, axis: int = -1, descending: bool = False) -> Any:
        if not descending:
            return np.argsort(x, axis=axis, kind="stable")
        # stable and descending: sort the reversed array ascending, then reverse the result
        # (equal elements come out in their original order; NaN, sorted last, comes first)
        idx = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
        return x.shape[axis] - 1 - np.flip(idx, axis)

    def cumsum(self, x: Any, axis: int) -> Any:
        return np.cumsum(x, axis=axis, dtype=x.dtype)

    def cumprod(self, x: Any, axis: int) -> Any:
        return np.cumprod(x, axis=axis, dtype=x.dtype)

    def diagonal(self, x: Any, offset: int, axis1: int, axis2: int) -> Any:
        d = np.diagonal(x, offset, axis1, axis2)
        if x.flags.writeable:  # a writable view, as torch's (x.diagonal().fill_(0) writes x)
            d.flags.writeable = True
        return d

    def _rows(self, n: int) -> np.ndarray:
        """0..n-1, kept per n: batch sizes repeat every step."""
        rows = self._aranges.get(n)
        if rows is None:
            if len(self._aranges) > 64:
                self._aranges.clear()
            rows = self._aranges[n] = np.arange(n)
            rows.flags.writeable = False
        return rows

    def pick_rows(self, x: Any, idx: Any) -> Any:
        return x[self._rows(x.shape[0]), idx]

    def add_rows(self, x: Any, idx: Any, g: Any) -> Any:
        x[self._rows(x.shape[0]), idx] += g  # x is a fresh array the caller owns
        return x


_UFUNCS = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}
NUMPY = NumPyBackend()
