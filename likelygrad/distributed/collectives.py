"""Collectives with torch.distributed's names, over MPI: all_reduce, broadcast, barrier.

Each works in place on a tensor (or a NumPy array) on the CPU, on every rank at once: every rank
must make the same calls in the same order, as MPI requires. `async_op=True` returns a `Work`
whose `wait()` completes it (MPI's nonblocking collectives), so computation can go on meanwhile.
Also here: text and named arrays sent from rank 0 to all, without pickle.
"""

from __future__ import annotations

import enum
import json
from typing import Any

import numpy as np

from .world import communicator, mpi


class ReduceOp(enum.Enum):
    """How `all_reduce` combines the ranks' values (AVG: the mean, for floating point)."""

    SUM = "SUM"
    PRODUCT = "PROD"
    MIN = "MIN"
    MAX = "MAX"
    BAND = "BAND"
    BOR = "BOR"
    BXOR = "BXOR"
    AVG = "AVG"


class Work:
    """A collective in flight: `wait()` blocks until it is done, `is_completed()` asks."""

    def __init__(self, request: Any, finish: Any = None) -> None:
        self._request, self._finish, self._done = request, finish, False

    def is_completed(self) -> bool:
        """Whether the collective has finished (completing it if so)."""
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout: Any = None) -> bool:
        """Block until the collective has finished; returns True."""
        if not self._done:
            self._request.Wait()
            self._complete()
        return True

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()


def _buffer(tensor: Any, what: str) -> tuple[np.ndarray, Any]:
    """A contiguous NumPy array to communicate, and a function writing it back if it is a copy."""
    a = getattr(tensor, "array", tensor)
    if not isinstance(a, np.ndarray):
        raise TypeError(
            f"{what}: MPI collectives take tensors on the CPU (NumPy arrays), got "
            f"{type(a).__module__}.{type(a).__name__}: move it with .cpu() first"
        )
    if a.flags.c_contiguous:
        return a, None
    buf = np.ascontiguousarray(a)
    return buf, lambda: a.__setitem__(Ellipsis, buf)


def _op(op: ReduceOp, dtype: np.dtype) -> Any:
    MPI = mpi()
    if op is ReduceOp.AVG:
        if dtype.kind not in "fc":
            raise TypeError(f"all_reduce: ReduceOp.AVG needs floating point, got {dtype}")
        return MPI.SUM
    if not isinstance(op, ReduceOp):
        raise TypeError(f"all_reduce: op must be a ReduceOp, got {op!r}")
    return getattr(MPI, op.value)


def all_reduce(
    tensor: Any, op: ReduceOp = ReduceOp.SUM, group: Any = None, async_op: bool = False
) -> Work | None:
    """Combine `tensor` over the ranks (SUM by default), leaving the result in it on every rank."""
    comm = communicator(group)
    buf, write_back = _buffer(tensor, "all_reduce")
    mpi_op = _op(op, buf.dtype)
    size = comm.Get_size()

    def finish() -> None:
        if op is ReduceOp.AVG:
            buf[...] /= size
        if write_back is not None:
            write_back()

    if async_op:
        return Work(comm.Iallreduce(mpi().IN_PLACE, buf, op=mpi_op), finish)
    comm.Allreduce(mpi().IN_PLACE, buf, op=mpi_op)
    finish()
    return None


def broadcast(tensor: Any, src: int = 0, group: Any = None, async_op: bool = False) -> Work | None:
    """Copy rank `src`'s `tensor` into `tensor` on every other rank."""
    comm = communicator(group)
    if not 0 <= src < comm.Get_size():
        raise ValueError(f"broadcast: src {src} is not a rank of a world of {comm.Get_size()}")
    buf, write_back = _buffer(tensor, "broadcast")
    if async_op:
        return Work(comm.Ibcast(buf, root=src), write_back)
    comm.Bcast(buf, root=src)
    if write_back is not None:
        write_back()
    return None


def barrier(group: Any = None, async_op: bool = False) -> Work | None:
    """Wait until every rank has reached this call."""
    comm = communicator(group)
    if async_op:
        return Work(comm.Ibarrier())
    comm.Barrier()
    return None


# ---- text and named arrays, without pickle (mpi4py's lowercase methods would pickle) --------


def all_gather_text(text: str, group: Any = None) -> list[str]:
    """Every rank's `text`, in rank order, on every rank."""
    comm = communicator(group)
    data = np.frombuffer(text.encode(), np.uint8)
    sizes = np.zeros(comm.Get_size(), np.int64)
    comm.Allgather(np.array([len(data)], np.int64), sizes)
    out = np.empty(int(sizes.sum()), np.uint8)
    comm.Allgatherv(data, [out, sizes])
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [out[a:b].tobytes().decode() for a, b in zip(bounds[:-1], bounds[1:])]


def broadcast_text(text: str | None, root: int = 0, group: Any = None) -> str:
    """Rank `root`'s `text` on every rank (the others pass None)."""
    comm = communicator(group)
    data = np.frombuffer((text or "").encode(), np.uint8) if comm.Get_rank() == root else None
    n = np.array([0 if data is None else len(data)], np.int64)
    comm.Bcast(n, root=root)
    buf = data.copy() if data is not None else np.empty(int(n[0]), np.uint8)
    comm.Bcast(buf, root=root)
    return buf.tobytes().decode()


def broadcast_arrays(
    arrays: dict[str, np.ndarray] | None, root: int = 0, group: Any = None
) -> dict[str, np.ndarray]:
    """Rank `root`'s named NumPy arrays on every rank (the others pass None)."""
    comm = communicator(group)
    mine = comm.Get_rank() == root
    spec = json.dumps(
        [[k, str(v.dtype), list(v.shape)] for k, v in (arrays or {}).items()] if mine else None
    )
    out = {}
    for key, dtype, shape in json.loads(broadcast_text(spec, root, group)):
        a = np.array(arrays[key], order="C", copy=None) if mine else np.empty(shape, dtype)  # type: ignore[index]
        comm.Bcast(a.reshape(-1).view(np.uint8) if a.size else a, root=root)
        out[key] = a
    return out
