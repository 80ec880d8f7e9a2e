"""Argument conventions shared by the Tensor mixins: PyTorch's `dim`/`keepdim` with NumPy's
`axis`/`keepdims` as aliases, `out=`, and the named tuples torch's functions return."""

from __future__ import annotations

import functools
from collections import namedtuple
from typing import Any

# named as torch's return types print: sort(values=..., indices=...)
SortResult = namedtuple("sort", ["values", "indices"])  # type: ignore[name-match]
TopkResult = namedtuple("topk", ["values", "indices"])  # type: ignore[name-match]
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])  # type: ignore[name-match]
MedianResult = namedtuple("median", ["values", "indices"])  # type: ignore[name-match]


def sizes(args: tuple[Any, ...]) -> tuple[int, ...]:
    """Sizes or axes given as varargs (f(2, 3)) or as one sequence (f((2, 3))), as ints."""
    if len(args) == 1 and not hasattr(args[0], "__index__"):
        args = tuple(args[0])
    return tuple(a.__index__() for a in args)


def dims(dim: Any, axis: Any, keepdim: Any, keepdims: Any) -> tuple[Any, bool]:
    """PyTorch's `dim`/`keepdim`, or NumPy's `axis`/`keepdims` (not both)."""
    if axis is not None:
        if dim is not None:
            raise TypeError("give dim= or axis=, not both")
        dim = axis
    return dim, bool(keepdims if keepdims is not None else keepdim)


def with_out(method: Any) -> Any:
    """Accept PyTorch's `out=` (also what np.sum(tensor) passes): write the result into it."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, out: Any = None, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        if out is None:
            return result
        if isinstance(result, tuple):  # (values, indices)
            for o, r in zip(out, result):
                o.array = r.array if o.shape != r.shape else o.copy_(r).array
            return out
        if out.shape != result.shape:
            out.array = result.array + 0
        else:
            out.copy_(result)
        return out

    return wrapper
