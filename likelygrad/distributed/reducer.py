"""Averaging gradients over the ranks while backward is still running.

The parameters are packed, in reverse order (the order backward finishes their gradients for a
feed-forward network), into flat buckets of at most `bucket_cap` bytes (the first one smaller,
so communication starts early). Each parameter's post-accumulate-grad hook copies its gradient,
times `scale`, into its slice of the bucket; when a bucket is full, MPI's nonblocking
`Iallreduce` sums it over the ranks while backward computes the gradients of earlier layers.
Buckets start in the same order on every rank (MPI requires it). `synchronize()` waits for them
and copies the sums back into `.grad`; it runs by itself in the hook of the last gradient, so
after `loss.backward()` every rank holds the same averaged gradient, as with PyTorch's DDP.

Each bucket ends with one flag per parameter (1 where the rank had a gradient): a parameter no
rank produced a gradient for keeps `.grad` None, as in a single process.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .. import dispatch as D
from .world import mpi

MPI_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Bucket:
    """A flat buffer: the gradients of `params` (at `offsets`), then one flag per parameter."""

    def __init__(self, params: list[Any], dtype: np.dtype) -> None:
        self.params = params
        sizes = [int(p.array.size) for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        self.flags = self.offsets[-1]  # where the flags start
        self.buffer = np.zeros(self.flags + len(params), dtype)
        self.filled = [False] * len(params)
        self.waiting = len(params)
        self.request: Any = None

    def slot(self, i: int) -> np.ndarray:
        """The slice of parameter i, shaped like it."""
        p = self.params[i]
        return self.buffer[self.offsets[i] : self.offsets[i + 1]].reshape(p.array.shape)


def make_buckets(params: list[Any], cap: int, first_cap: int) -> list[Bucket]:
    """Group the parameters, last first, into buckets of one dtype and at most `cap` bytes."""
    buckets: list[Bucket] = []
    group: list[Any] = []
    size = 0
    for p in reversed(params):
        limit = first_cap if not buckets else cap
        nbytes = p.array.nbytes
        if group and (p.array.dtype != group[0].array.dtype or size + nbytes > limit):
            buckets.append(Bucket(group, group[0].array.dtype))
            group, size = [], 0
        group.append(p)
        size += nbytes
    if group:
        buckets.append(Bucket(group, group[0].array.dtype))
    return buckets


class GradientReducer:
    """Sums `scale`·gradient over the ranks of `comm` in buckets, overlapped with backward."""

    def __init__(
        self, named_params: list[tuple[str, Any]], comm: Any, cap: int, first_cap: int
    ) -> None:
        for name, p in named_params:
            if not isinstance(p.array, np.ndarray) or p.array.dtype not in MPI_FLOATS:
                raise TypeError(
                    f"DistributedDataParallel: parameter {name} is {p.array.dtype} on "
                    f"{getattr(p, 'device', '?')}; MPI sums float32 or float64 NumPy (CPU) arrays"
                )
        self.names = {id(p): name for name, p in named_params}
        self.comm, self.size = comm, comm.Get_size()
        self.scale = 1.0 / self.size  # the mean over ranks, as PyTorch's DDP
        self.enabled = True
        self.buckets = make_buckets([p for _, p in named_params], cap, first_cap)
        self.where = {id(p): (b, i) for b in self.buckets for i, p in enumerate(b.params)}
        self.handles = [p.register_post_accumulate_grad_hook(self.ready) for _, p in named_params]
        self.next = 0  # the next bucket to start
        self.started = False  # has any gradient of this step arrived?
        self.done = False  # did the last gradient's hook finish this step's reduction?
        self.wait_seconds = 0.0  # time blocked in Wait: communication not hidden by compute
        self.reductions = 0

    def ready(self, p: Any) -> None:
        """Post-accumulate hook: copy p's gradient into its bucket; start full buckets."""
        if not self.enabled:  # inside no_sync(): gradients accumulate locally
            return
        bucket, i = self.where[id(p)]
        if bucket.filled[i]:
            raise RuntimeError(
                f"DistributedDataParallel: parameter {self.names[id(p)]} received a gradient "
                "twice in one step; to accumulate gradients over several backward passes, run "
                "all but the last inside `with model.no_sync():`"
            )
        np.multiply(p.grad.array, self.scale, out=bucket.slot(i))
        bucket.buffer[bucket.flags + i] = 1
        bucket.filled[i], self.started, self.done = True, True, False
        bucket.waiting -= 1
        if bucket.waiting == 0:
            self.start_ready()
            if self.next == len(self.buckets):  # the last gradient: finish inside backward
                self.finish()
                self.done = True
                return
        if self.next:  # let MPI progress the buckets in flight (it has no thread of its own)
            mpi().Request.Testall([b.request for b in self.buckets[: self.next]])

    def start_ready(self) -> None:
        """Start, in order, every bucket whose gradients are all in."""
        MPI = mpi()
        while self.next < len(self.buckets) and self.buckets[self.next].waiting == 0:
            b = self.buckets[self.next]
            b.request = self.comm.Iallreduce(MPI.IN_PLACE, b.buffer, op=MPI.SUM)
            self.next += 1

    def mark_unused(self, reached: set[int]) -> None:
        """Count the parameters whose ids are not in `reached` as zero gradients of this step."""
        for b in self.buckets:
            for i, p in enumerate(b.params):
                if id(p) not in reached and not b.filled[i]:
                    b.slot(i)[...] = 0
                    b.buffer[b.flags + i] = 0
                    b.filled[i], self.started, self.done = True, True, False
                    b.waiting -= 1

    def pending(self) -> list[str]:
        """Names of the parameters still without a gradient in a step that has begun."""
        if not self.started:
            return []
        return [
            self.names[id(p)] for b in self.buckets for p, f in zip(b.params, b.filled) if not f
        ]

    def synchronize(self) -> None:
        """Complete this step's reduction, once per step on every rank, unless the hook of the
        last gradient already did; gradients this rank did not produce count as zero."""
        if self.done:
            self.done = False
            return
        for b in self.buckets[self.next :]:
            for i, filled in enumerate(b.filled):
                if not filled:
                    b.slot(i)[...] = 0
                    b.buffer[b.flags + i] = 0
                    b.filled[i] = True
            b.waiting = 0
        self.start_ready()
        self.finish()

    def finish(self) -> None:
        """Wait for every bucket and copy the sums into `.grad`."""
        t0 = time.perf_counter()
        mpi().Request.Waitall([b.request for b in self.buckets])
        self.wait_seconds += time.perf_counter() - t0
        for b in self.buckets:
            for i, p in enumerate(b.params):
                if b.buffer[b.flags + i] > 0:  # some rank had a gradient
                    total = b.slot(i)
                    if p.grad is None:
                        p.grad = D.make(total.copy(), None)
                    else:
                        p.grad.array[...] = total
            b.filled = [False] * len(b.params)
            b.waiting, b.request = len(b.params), None
        self.next, self.started = 0, False
        self.reductions += 1

    def remove(self) -> None:
        """Unregister the hooks: the parameters train alone again."""
        for h in self.handles:
            h.remove()
        self.handles = []
