"""Datasets with torch.utils.data's names: map-style and iterable datasets, and their combinations.

A map-style dataset may define ``__getbatch__(indices)``: given an int64 NumPy array of indices,
it returns exactly what ``default_collate([self[i] for i in indices])`` would, made in one go.
The DataLoader calls it instead of collating item by item when ``collate_fn`` is the default
(``TensorDataset`` gathers each of its arrays with one fancy index; ``Subset`` passes it on).
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ...buffers import RowGather
from ...creation import as_tensor
from ...errors import SizeMismatchError
from ...random import numpy_rng
from ...tensor import Tensor


class Dataset:
    """A map-style dataset: ``__getitem__(index)`` returns one example, ``__len__`` their count."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read as a stream: ``__iter__`` yields the examples (no indexing)."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Any) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


def batch_getter(dataset: Any) -> Callable[[np.ndarray], Any] | None:
    """The dataset's ``__getbatch__`` if it has a working one, else None."""
    fn = getattr(dataset, "__getbatch__", None)
    return fn if callable(fn) else None


class TensorDataset(Dataset):
    """Example ``i`` is ``tuple(t[i] for t in tensors)``; all tensors share their first size.

    NumPy arrays are accepted and wrapped without a copy. Indexing with a slice or an index
    tensor returns a tuple of batches, as in torch.
    """

    def __init__(self, *tensors: Any) -> None:
        self.tensors = tuple(t if isinstance(t, Tensor) else as_tensor(t) for t in tensors)
        if any(t.ndim == 0 for t in self.tensors):
            raise ValueError("TensorDataset: every tensor needs a first dimension to index")
        if any(t.shape[0] != self.tensors[0].shape[0] for t in self.tensors):
            sizes = [t.shape[0] for t in self.tensors]
            raise SizeMismatchError(f"Size mismatch between tensors: first dimensions {sizes}")
        self._gathers = [RowGather() for _ in self.tensors]

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0] if self.tensors else 0

    @property
    def __getbatch__(self) -> Callable[[np.ndarray], list[Tensor]] | None:
        """One fancy index per tensor, into recycled buffers (tensors needing grad: None)."""
        if any(t.requires_grad for t in self.tensors):
            return None  # stacking would record a graph; the item-by-item path does that
        return self._gather

    def _gather(self, indices: np.ndarray) -> list[Tensor]:
        return [g.take(t, indices) for g, t in zip(self._gathers, self.tensors)]


class StackDataset(Dataset):
    """Example ``i`` combines example ``i`` of each dataset: a tuple (positional) or a dict."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                "input/output, but both types are given."
            )
        self.datasets: Any = args if args else kwargs
        lengths = {len(d) for d in (args or tuple(kwargs.values()))}  # type: ignore[arg-type]
        if len(lengths) > 1:
            raise ValueError("Size mismatch between datasets")
        self._length = lengths.pop() if lengths else 0

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """The examples of several map-style datasets, one after another."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise ValueError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """The examples of several iterable datasets, one stream after another."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)  # type: ignore[arg-type]


class Subset(Dataset):
    """The examples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        self._index_array: np.ndarray | None = None

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The examples at several positions (torch's batched fetch)."""
        inner = getattr(self.dataset, "__getitems__", None)
        if callable(inner):
            return inner([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    @property
    def __getbatch__(self) -> Callable[[np.ndarray], Any] | None:
        """The dataset's own batched fetch at the mapped indices, when it has one."""
        inner = batch_getter(self.dataset)
        if inner is None:
            return None
        if self._index_array is None:
            self._index_array = np.asarray(self.indices, dtype=np.int64)
        mapping = self._index_array
        return lambda indices: inner(mapping[indices])

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Fractions summing to 1 as item counts: floors, then the remainder one by one from 0."""
    counts = []
    for i, frac in enumerate(lengths):
        if frac < 0 or frac > 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        counts.append(int(math.floor(n * frac)))
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    for i, count in enumerate(counts):
        if count == 0:
            warnings.warn(
                f"Length of split at index {i} is 0. This might result in an empty dataset.",
                stacklevel=3,
            )
    return counts


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None) -> list[Subset]:
    """Split ``dataset`` at random into Subsets of the given ``lengths`` (counts, or fractions
    summing to 1); the permutation comes from ``generator`` (default: likelygrad's global one,
    seeded by ``lg.manual_seed``). The split sizes equal torch's; which examples land where
    does not (the random streams differ)."""
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _split_lengths(n, lengths)
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = numpy_rng(generator).permutation(n).tolist()
    ends = itertools.accumulate(int(k) for k in lengths)
    return [Subset(dataset, order[end - int(k) : end]) for end, k in zip(ends, lengths)]
