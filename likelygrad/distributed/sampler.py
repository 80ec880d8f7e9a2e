"""Sharding the data over the ranks: each rank sees its own part of every epoch.

`ShardedLoader` is what `fit(distributed=True)` uses: the batch size is the *global* batch.
Batch i of epoch e holds the same examples as in a single process (positions i·B .. (i+1)·B of
the order drawn from `(seed, e)`), and rank r takes the r-th of N nearly equal contiguous parts
of it (sizes differ by at most one; a short last batch may leave a rank none). With each rank's
gradient weighted by its share n_r / n, the sum over ranks is the gradient of the global
batch's mean loss: N ranks take the same steps as one process.

`DistributedSampler` is PyTorch's: each rank gets every N-th index of the epoch's order,
padded by repeating indices (or, with `drop_last`, trimmed) so all ranks have as many.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Sized
from typing import Any

import numpy as np

from .world import get_rank, get_world_size


def _rank_and_size(rank: int | None, size: int | None, what: str) -> tuple[int, int]:
    size = get_world_size() if size is None else operator.index(size)
    rank = get_rank() if rank is None else operator.index(rank)
    if size < 1:
        raise ValueError(f"{what}: num_replicas must be at least 1, got {size}")
    if not 0 <= rank < size:
        raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {size - 1}]")
    return rank, size


def share(n: int, rank: int, size: int) -> tuple[int, int]:
    """Rank `rank`'s part [lo, hi) of n items split into `size` contiguous parts whose sizes
    differ by at most one (the first n mod size parts get the extra item)."""
    q, extra = divmod(n, size)
    lo = rank * q + min(rank, extra)
    return lo, lo + q + (rank < extra)


class ShardedLoader:
    """This rank's share of each global batch of `loader` (a `likelygrad.data.DataLoader`).

    `len()` is the number of global batches; `shares(epoch, start)` yields `(x, y, n)`: this
    rank's examples of each batch and the size n of the whole batch (for weighting).
    """

    def __init__(self, loader: Any, rank: int | None = None, world_size: int | None = None):
        self.loader = loader
        self.rank, self.world_size = _rank_and_size(rank, world_size, "ShardedLoader")

    def __len__(self) -> int:
        return len(self.loader)

    @property
    def x(self) -> np.ndarray:
        return self.loader.x

    @property
    def y(self) -> np.ndarray:
        return self.loader.y

    def shares(self, epoch: int, start: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        """This rank's part of each global batch of epoch `epoch` from batch `start` on."""
        x, y, b = self.loader.x, self.loader.y, self.loader.batch_size
        order = self.loader.order(epoch)
        for i in range(start, len(self)):
            idx = order[i * b : (i + 1) * b]
            lo, hi = share(len(idx), self.rank, self.world_size)
            mine = idx[lo:hi]
            yield x[mine], y[mine], len(idx)

    def whole(self) -> tuple[np.ndarray, np.ndarray]:
        """This rank's part of the whole training set, in order (full-batch methods: L-BFGS)."""
        lo, hi = share(len(self.loader.x), self.rank, self.world_size)
        return self.loader.x[lo:hi], self.loader.y[lo:hi]


class DistributedSampler:
    """PyTorch's `DistributedSampler`: the indices of this rank's part of each epoch.

    The order is `np.random.default_rng([seed, epoch]).permutation(len(dataset))`, as
    `likelygrad.data.DataLoader` draws it (PyTorch draws another permutation: the same seed gives
    other indices). Call `set_epoch(e)` before each epoch, as in torch.
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        self.rank, self.num_replicas = _rank_and_size(rank, num_replicas, "DistributedSampler")
        self.dataset, self.shuffle, self.seed, self.drop_last = dataset, shuffle, seed, drop_last
        self.epoch = 0
        n, size = len(dataset), self.num_replicas
        if drop_last and n % size:
            self.num_samples = math.ceil((n - size) / size)
        else:
            self.num_samples = math.ceil(n / size)
        self.total_size = self.num_samples * size

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(n)
        else:
            order = np.arange(n)
        if not self.drop_last and self.total_size > n:  # repeat from the start to even it out
            order = np.resize(order, self.total_size)
        order = order[: self.total_size]
        return iter(order[self.rank : self.total_size : self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration use epoch `epoch`'s order (the same on every rank)."""
        self.epoch = epoch
