"""torch.utils.data for likelygrad: datasets, samplers, collation and the ``DataLoader``.

    >>> from likelygrad.utils.data import DataLoader, TensorDataset, random_split
    >>> train, val = random_split(TensorDataset(x, y), [0.8, 0.2])
    >>> for xb, yb in DataLoader(train, batch_size=128, shuffle=True): ...

Batches of a ``TensorDataset`` (and of the ``likelygrad.vision`` datasets) are gathered with one
fancy index per array into recycled buffers; see ``dataloader`` and docs/data.md.
"""

from .collate import collate, default_collate, default_collate_fn_map, default_convert
from .dataloader import DataLoader, WorkerInfo, get_worker_info
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "collate",
    "default_collate",
    "default_collate_fn_map",
    "default_convert",
    "get_worker_info",
    "random_split",
]
