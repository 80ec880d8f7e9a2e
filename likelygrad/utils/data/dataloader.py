"""``DataLoader`` with torch.utils.data's arguments, and ``get_worker_info``.

Loading runs in the calling process: ``num_workers > 0`` is accepted and runs the same code
in-process (one "worker", id 0, whose ``worker_init_fn`` is called at the start of each epoch
and whose ``get_worker_info()`` reports ``num_workers=1``), so results equal
``num_workers=0``'s. ``pin_memory`` changes nothing (there is no pinned host memory here).

The fast path: when ``collate_fn`` is the default and the dataset has ``__getbatch__``
(``TensorDataset``, ``Subset`` of one, ``likelygrad.vision`` datasets), each batch is made by
one fancy index per array from the sampler's index array, instead of fetching and stacking
examples one by one; the result is the same, much faster.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...random import initial_seed
from .collate import default_collate, default_convert
from .dataset import IterableDataset, batch_getter
from .sampler import BatchSampler, RandomSampler, SequentialSampler


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` reports inside a loader with ``num_workers > 0``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The current loader worker's info; None outside one (and always with num_workers=0)."""
    return _worker_info


_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Batches of ``dataset``'s examples, with torch's arguments, defaults and checks.

    ``shuffle=True`` draws each epoch's order from ``generator`` (an ``lg.Generator`` or a NumPy
    Generator; by default likelygrad's global one, which ``lg.manual_seed`` seeds). The orders
    differ from torch's (different random streams); everything else matches.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(
                "multiprocessing_context can only be used with multi-process loading "
                f"(num_workers > 0), but got num_workers={num_workers}"
            )
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler)):
                if value not in (None, False):
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        f"but got {name}={value}"
                    )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler "
                    f"option, but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )
        if sampler is None and not iterable:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            batched = batch_size is not None or batch_sampler is not None
            collate_fn = default_collate if batched else default_convert

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_initialized", False) and name in _FROZEN:
            raise ValueError(f"{name} attribute should not be set after DataLoader is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # type: ignore[arg-type]  # TypeError if it has no length
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def __iter__(self) -> Iterator[Any]:
        return _LoaderIterator(self)

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
            f"sampler={type(self.sampler).__name__}, num_workers={self.num_workers})"
        )


class _LoaderIterator:
    """One pass over a DataLoader (``next`` gives a batch; ``len`` counts them)."""

    def __init__(self, loader: DataLoader) -> None:
        self.loader = loader
        self._length = len(loader) if _has_len(loader) else None
        self._info: WorkerInfo | None = None
        if loader.num_workers > 0:  # the one in-process worker; its seed follows lg.manual_seed
            self._info = WorkerInfo(0, 1, initial_seed(), loader.dataset)
            if loader.worker_init_fn is not None:
                self._call(loader.worker_init_fn, 0)
        self._batches = self._generate()

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        global _worker_info
        previous, _worker_info = _worker_info, self._info
        try:
            return fn(*args)
        finally:
            _worker_info = previous

    def _generate(self) -> Iterator[Any]:
        loader, dataset, collate_fn = self.loader, self.loader.dataset, self.loader.collate_fn
        if isinstance(dataset, IterableDataset):
            yield from _iterable_batches(loader)
            return
        if not loader._auto_collation:
            for index in loader.sampler:
                yield collate_fn(dataset[index])
            return
        gather = batch_getter(dataset) if collate_fn is default_collate else None
        if gather is not None:
            batches = loader.batch_sampler
            if type(batches) is BatchSampler:  # slices of one index array per epoch
                indices = batches.index_batches()
            else:
                indices = (np.asarray(b, dtype=np.int64) for b in batches)
            for idx in indices:
                yield gather(idx)
            return
        fetch_many = getattr(dataset, "__getitems__", None)
        for batch in loader.batch_sampler:
            items = fetch_many(batch) if callable(fetch_many) else [dataset[i] for i in batch]
            yield collate_fn(items)

    def __iter__(self) -> _LoaderIterator:
        return self

    def __next__(self) -> Any:
        if self._info is None:
            return next(self._batches)
        return self._call(next, self._batches)

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("this DataLoader's dataset has no length")
        return self._length


def _has_len(loader: DataLoader) -> bool:
    try:
        len(loader)
    except TypeError:
        return False
    return True


def _iterable_batches(loader: DataLoader) -> Iterator[Any]:
    """Batches of an IterableDataset: its stream cut into ``batch_size`` pieces."""
    stream, size = iter(loader.dataset), loader.batch_size
    if size is None:
        for item in stream:
            yield loader.collate_fn(item)
        return
    batch: list[Any] = []
    for item in stream:
        batch.append(item)
        if len(batch) == size:
            yield loader.collate_fn(batch)
            batch = []
    if batch and not loader.drop_last:
        yield loader.collate_fn(batch)
