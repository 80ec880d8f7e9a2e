"""Collating examples into batches: ``default_collate`` and ``default_convert``, torch's rules.

``default_collate`` stacks tensors and NumPy arrays along a new first axis, turns Python ints
into an int64 tensor, floats into a float64 tensor (bools into a bool tensor), NumPy scalars
into a tensor of their dtype, leaves strings and bytes as a list, and recurses into dicts,
named tuples, tuples (which come back as lists) and lists, as ``torch.utils.data`` does.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import functions
from ...backend import backend_of
from ...creation import as_tensor, tensor
from ...dispatch import make
from ...dtypes import float64
from ...errors import ShapeError
from ...tensor import Tensor

_STRING_OR_OBJECT = re.compile(r"[SaUO]")
_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def collate_tensor_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Tensor:
    """Stack tensors along a new first axis (recording a graph only if one requires grad)."""
    if any(t.requires_grad for t in batch):
        return functions.stack(list(batch), 0)
    arrays = [t.array for t in batch]
    sizes = {tuple(a.shape) for a in arrays}
    if len(sizes) > 1:  # torch's message, naming the first two entries that differ
        i = next(k for k, a in enumerate(arrays) if tuple(a.shape) != tuple(arrays[0].shape))
        raise ShapeError(
            f"stack expects each tensor to be equal size, but got {list(arrays[0].shape)} at "
            f"entry 0 and {list(arrays[i].shape)} at entry {i}: pad the samples to one size, or "
            "pass a collate_fn that does"
        )
    if type(arrays[0]) is np.ndarray:
        return make(np.stack(arrays), None)
    return make(backend_of(arrays[0]).stack(arrays, axis=0), None)


def collate_numpy_array_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Any:
    """Stack NumPy arrays into a tensor of their dtype (string and object arrays: TypeError)."""
    if _STRING_OR_OBJECT.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERROR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Tensor:
    """NumPy scalars into one tensor of their dtype."""
    return as_tensor(np.asarray(batch))


def collate_float_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Tensor:
    """Python floats into a float64 tensor (not the default dtype), as torch."""
    return tensor(np.asarray(batch, dtype=np.float64), dtype=float64)


def collate_int_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Tensor:
    """Python ints into an int64 tensor (bools into a bool tensor)."""
    return tensor(list(batch))


def collate_str_fn(batch: Any, *, collate_fn_map: dict | None = None) -> Any:
    """Strings and bytes are left as they are: the batch itself."""
    return batch


default_collate_fn_map: dict[Any, Callable[..., Any]] = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch: Any, *, collate_fn_map: dict | None = None) -> Any:
    """Collate ``batch`` by the type of its first element: a function of ``collate_fn_map``
    (exact type first, then ``isinstance``), else recursion into mappings and sequences."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind in collate_fn_map:
            if isinstance(elem, kind):
                return collate_fn_map[kind](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        merged = {
            key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem
        }
        try:  # keep the mapping's own type where it can be rebuilt
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(merged)
                return clone
            return elem_type(merged)
        except TypeError:
            return merged
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # a list, as torch (for backwards compatibility)
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                rows = copy.copy(elem)
                for i, column in enumerate(columns):
                    rows[i] = column
                return rows
            return elem_type(columns)
        except TypeError:
            return columns
    raise TypeError(_ERROR.format(elem_type))


def default_collate(batch: Any) -> Any:
    """Merge a list of examples into a batch with torch's rules (see the module docstring)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data: Any) -> Any:
    """NumPy arrays and scalars as tensors, recursively: the collate of ``batch_size=None``."""
    if isinstance(data, Tensor):
        return data
    kind = type(data)
    if kind.__module__ == "numpy" and kind.__name__ not in ("str_", "bytes_"):
        if isinstance(data, np.ndarray) and _STRING_OR_OBJECT.search(data.dtype.str):
            return data
        return as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return kind(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return kind(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        items = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                same = copy.copy(data)
                for i, item in enumerate(items):
                    same[i] = item
                return same
            return kind(items)
        except TypeError:
            return items
    return data
