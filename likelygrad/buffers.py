"""Recycled buffers for the large arrays made every training step (a batch, its copy).

A training step that allocates a fresh ~400 KB batch and frees the previous one can make glibc's
malloc hand the memory back to the system and fault it in again on every step (issue 15): the
freed block sits at the top of the heap, above the trim threshold, and is trimmed. Reusing the
same buffers avoids the round trip. A buffer is reused only when nothing but this pool refers to
it (CPython's reference count says so): a batch the caller still holds, or that an autograd
graph saved, is never overwritten; a new buffer is made instead. On other Python
implementations, and for arrays not in host memory, every batch is a new array.
"""

from __future__ import annotations

import platform
import sys
from typing import Any

import numpy as np

from .backend import backend_of
from .dispatch import make


def _references(pool: list[np.ndarray], i: int) -> int:
    return sys.getrefcount(pool[i])


# what _references reports for a buffer only the pool holds (measured, not assumed)
_FREE = _references([np.empty(0)], 0)
_RECYCLE = platform.python_implementation() == "CPython"


def checked_indices(indices: Any, n: int) -> np.ndarray:
    """Indices as an int64 array, each in [-n, n), or IndexError worded as torch's."""
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu":
        if idx.size == 0:
            return idx.astype(np.int64)
        raise TypeError(f"batch indices must be integers, got {idx.dtype} values")
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
    return idx.astype(np.int64, copy=False)


class BufferPool:
    """Arrays handed out for new batches: a pooled one when nothing else refers to it, else a
    new one (pooled too while fewer than ``keep`` are held; two alternate in a training loop,
    plus one for a shorter last batch)."""

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self.pool: list[np.ndarray] = []

    def get(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """An uninitialized array of ``shape`` and ``dtype`` that nobody else holds."""
        if _RECYCLE:
            pool = self.pool
            for i in range(len(pool)):
                if pool[i].shape == shape and pool[i].dtype == dtype:
                    if _references(pool, i) == _FREE:
                        return pool[i]
        out = np.empty(shape, dtype=dtype)
        if _RECYCLE:
            if len(self.pool) < self.keep:
                self.pool.append(out)
            else:  # full: a free buffer of another shape makes room (shapes change rarely)
                for i in range(len(self.pool)):
                    if _references(self.pool, i) == _FREE:
                        self.pool[i] = out
                        break
        return out


# lg.tensor's copies of large arrays (a batch gathered by the caller) go into these
COPIES = BufferPool(keep=8)
LARGE = 1 << 16  # bytes: smaller arrays come from malloc's small-block lists, which do not trim


def copy_of(a: np.ndarray) -> np.ndarray:
    """A copy of `a`, in a recycled buffer when it is large."""
    if a.nbytes < LARGE or not _RECYCLE:
        return np.array(a, copy=True)
    out = COPIES.get(a.shape, a.dtype)
    np.copyto(out, a)
    return out


class RowGather:
    """``take(tensor, indices)``: the rows ``tensor[indices]`` as a new tensor, written into a
    recycled buffer when one is free."""

    def __init__(self) -> None:
        self.buffers = BufferPool()

    def take(self, tensor: Any, indices: np.ndarray) -> Any:
        """``tensor[indices]`` along the first axis, never sharing memory with ``tensor``."""
        source = tensor.array
        if type(source) is not np.ndarray:  # another library: its own fancy indexing
            xp = backend_of(source)
            idx = xp.asarray(indices, device=xp.device_of(source))
            return make(xp.ns.take(source, idx, axis=0), None)  # the library's own take
        return make(take_rows(source, indices, self.buffers), None)


def take_rows(source: np.ndarray, indices: Any, buffers: BufferPool) -> np.ndarray:
    """``source[indices]`` (first axis) in a buffer from ``buffers``; indices are checked."""
    idx = checked_indices(indices, source.shape[0])
    out = buffers.get((len(idx), *source.shape[1:]), source.dtype)
    # indices are checked, so 'wrap' only maps -n..-1 to n-1..0 as Python does, and unlike the
    # default 'raise' it writes straight into `out` without a temporary copy
    np.take(source, idx, axis=0, out=out, mode="wrap")
    return out
