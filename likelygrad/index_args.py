"""What an index or an index argument becomes before it reaches an array library: a tuple of
ints, slices and arrays on the tensor's device (`convert_index`), slice bounds clamped where the
Array API leaves them open, and gather/scatter's index checks (`along_dim`), all as torch takes
them.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from . import dispatch as D
from . import dtypes as dt
from .backend import backend_of, is_foreign_array


def convert_index(t: Any, index: Any) -> tuple:
    """An index as a tuple of what the array library takes (arrays on t's device)."""
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, D.Tensor):
            if p.dtype == np.uint8:  # torch's old mask type: still a mask there, with a warning
                warnings.warn(
                    "indexing with dtype uint8 is deprecated, please use a dtype bool instead",
                    UserWarning,
                    stacklevel=3,
                )
                p = p.bool()
            p = p.array
        elif isinstance(p, list | range) or (
            isinstance(p, np.ndarray) and type(t.array) is not np.ndarray
        ):
            p = D.infer(list(p) if isinstance(p, range) else p)
        if isinstance(p, np.ndarray) and type(t.array) is not np.ndarray:
            xp = backend_of(t.array)
            p = xp.asarray(p, device=xp.device_of(t.array))
        elif type(t.array) is np.ndarray and is_foreign_array(p):
            p = np.asarray(p)
        if hasattr(p, "shape") and hasattr(p, "dtype") and p.ndim == 0:
            if dt.as_dtype(p.dtype).kind in "iu":  # a 0-d integer tensor indexes like an int
                p = int(p)
        out.append(p)
    if type(t.array) is not np.ndarray:
        _clamp_slices(out, t.array.shape)
        if not any(p is Ellipsis for p in out):
            out.append(Ellipsis)  # the Array API wants every axis indexed; NumPy implies the rest
    return tuple(out)


def _clamp_slices(parts: list, shape: tuple[int, ...]) -> None:
    """Slice bounds past an axis's end clamped to it, as torch and NumPy take them (the Array
    API leaves them unspecified: x[s : s + batch] on the last batch). Only the leading ints and
    slices are placed on their axes; after None, Ellipsis or an array the axis is unknown."""
    axis = 0
    for i, p in enumerate(parts):
        if isinstance(p, slice) and axis < len(shape):
            start, stop, step = p.indices(shape[axis])
            if step < 0 and start < 0:  # nothing selected, going backwards
                start, stop, step = 0, 0, 1
            parts[i] = slice(start, None if step < 0 and stop < 0 else stop, step)
        elif not isinstance(p, int):
            return
        axis += 1


def on_device_of(t: Any, a: Any) -> Any:
    """Array `a` (NumPy or t's library) in t's library and on t's device."""
    if isinstance(a, D.Tensor):
        a = a.array
    if type(a) is type(t.array):
        return a
    xp = backend_of(t.array)
    host = a if isinstance(a, np.ndarray) else backend_of(a).to_numpy(a)
    return xp.asarray(np.asarray(host), device=xp.device_of(t.array))


def along_dim(t: Any, dim: int, index: Any, name: str) -> tuple[int, Any]:
    """(dim, index array on t's device) for gather/scatter: index has t's number of dims, is
    integral, and its values lie in [0, size of dim) (torch's checks; NumPy would wrap
    negative values around silently)."""
    d = t._dim(dim)
    idx = on_device_of(t, index if isinstance(index, D.Tensor) else np.asarray(index))
    if idx.ndim == 0 and t.ndim == 1:  # torch counts a 0-d index as one position
        idx = backend_of(t.array).reshape(idx, (1,))
    if idx.ndim != t.ndim:
        raise RuntimeError(
            f"{name}(): Index tensor must have the same number of dimensions as input tensor "
            f"({idx.ndim} vs {t.ndim})"
        )
    if dt.as_dtype(idx.dtype).kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {idx.dtype}")
    for a, (n, m) in enumerate(zip(idx.shape, t.shape)):
        if a != d and n > m:
            raise RuntimeError(
                f"{name}(): Size does not match at dimension {a}: index {tuple(idx.shape)} "
                f"must not be larger than self {tuple(t.shape)} apart from dimension {d}"
            )
    xp = backend_of(t.array)
    if math.prod(idx.shape):
        lo, hi, size = int(xp.min(idx)), int(xp.max(idx)), t.shape[d] if t.ndim else 1
        if lo < 0 or hi >= size:
            raise RuntimeError(
                f"{name}(): index {lo if lo < 0 else hi} is out of bounds for dimension {d} "
                f"with size {size}"
            )
    return d, idx
