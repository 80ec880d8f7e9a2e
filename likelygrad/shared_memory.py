"""Arrays that several processes read and write: the storage behind `Tensor.share_memory_()`
and `Module.share_memory()` (torch.multiprocessing's Hogwild training).

A shared array lives in a file in RAM (`/dev/shm`, else the temporary folder) mapped into each
process that uses it. Pickling a shared tensor (what `multiprocessing` does to a Process's
arguments, with any start method) sends the file's name, not the values; the receiving process
maps the same file, so an optimizer's in-place step there changes the values everywhere. The
process that created the file deletes it when its array is garbage collected or it exits.
"""

from __future__ import annotations

import mmap
import os
import weakref
from typing import Any

import numpy as np

# id(array) -> (file, a weak reference to the array): which arrays are shared, and where
_FILES: dict[int, tuple[str, weakref.ref]] = {}


def _folder() -> str | None:
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def _map(path: str, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    with open(path, "r+b") as f:
        buffer = mmap.mmap(f.fileno(), 0)  # the mapping outlives the file object
    a: np.ndarray = np.ndarray(shape, dtype=dtype, buffer=buffer)
    key = id(a)
    _FILES[key] = (path, weakref.ref(a, lambda _: _forget(key)))
    return a


def _forget(key: int) -> None:
    _FILES.pop(key, None)


def share(a: np.ndarray) -> np.ndarray:
    """A copy of `a` in shared memory (a is returned when it already is shared)."""
    if shared_file(a) is not None:
        return a
    import tempfile  # only when sharing: it costs 3 ms at import

    fd, path = tempfile.mkstemp(prefix="likelygrad-shared-", dir=_folder())
    os.ftruncate(fd, max(a.nbytes, 1))  # mmap cannot map an empty file
    os.close(fd)
    shared = _map(path, a.dtype, a.shape)
    shared[...] = a
    weakref.finalize(shared, _remove, path)  # also runs at exit
    return shared


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:  # already gone
        pass


def shared_file(a: Any) -> str | None:
    """The file behind `a` if it is a shared array (itself, not a view of one), else None."""
    entry = _FILES.get(id(a))
    return entry[0] if entry is not None and entry[1]() is a else None


def attach(path: str, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """The shared array in `path` (in a process that received it by pickling)."""
    try:
        return _map(path, np.dtype(dtype), shape)
    except FileNotFoundError:
        raise RuntimeError(
            f"the shared tensor's memory {path} is gone: the process that shared it ended or "
            "dropped the tensor before this one received it"
        ) from None
