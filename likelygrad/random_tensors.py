"""Random tensors: `rand`, `randn`, `randint`, `randperm` and their `_like` forms, drawn from
a device's global generator or the `generator=` given (streams: `random.py`).

Floats are drawn in float32 or float64; other float dtypes (float16, bfloat16) draw float64 and
round, as the generators have no half-precision streams.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dispatch as D
from . import dtypes as dt
from .creation import _like, _place, _shape, into
from .random import draw, numpy_rng
from .tensor import Tensor
from .tensor_shape import sizes as sizes_of

_make = D.make


def rand(
    *sizes: Any,
    size: Any = None,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    out: Any = None,
) -> Tensor:
    """Samples from U[0, 1)."""
    return _floats("random", _shape(sizes, size), generator, dtype, device, requires_grad, out)


def randn(
    *sizes: Any,
    size: Any = None,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    out: Any = None,
) -> Tensor:
    """Standard normal samples from `generator` (default: the device's global one)."""
    shape = _shape(sizes, size)
    return _floats("standard_normal", shape, generator, dtype, device, requires_grad, out)


def _floats(
    method: str, shape: tuple, generator: Any, dtype: Any, device: Any, grad: bool, out: Any
) -> Tensor:
    """Float samples of NumPy Generator `method` (float32/64 drawn directly, else cast)."""
    d = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    t = _make(draw(method, sizes_of(shape), _rng_dtype(d), device, generator), None)
    t = t if t.dtype == d else t.to(d)
    return into(out, t.requires_grad_() if grad else t)


def _rng_dtype(d: np.dtype) -> np.dtype:
    if d.kind != "f":
        raise RuntimeError(f"random floats cannot have dtype {d}: use a floating dtype")
    return d if d in (dt.float32, dt.float64) else dt.float64


def rand_like(
    input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    d, dev = _like(input, dtype, device)
    return rand(input.shape, dtype=d, device=dev, requires_grad=requires_grad)


def randn_like(
    input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    d, dev = _like(input, dtype, device)
    return randn(input.shape, dtype=d, device=dev, requires_grad=requires_grad)


def randint(
    *args: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    size: Any = None,
) -> Tensor:
    """Integers uniform in [low, high): randint(high, size) or randint(low, high, size)."""
    if size is None:
        *bounds, size = args
    else:
        bounds = list(args)
    low, high = (0, bounds[0]) if len(bounds) == 1 else bounds
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    values = numpy_rng(generator).integers(
        low, high, size=sizes_of((size,) if isinstance(size, int) else tuple(size))
    )
    return _place(
        values.astype(dt.as_dtype(dtype) if dtype is not None else dt.int64), device, requires_grad
    )


def randint_like(
    input: Tensor, low: int = 0, high: int | None = None, dtype: Any = None, device: Any = None
) -> Tensor:
    if high is None:
        low, high = 0, low
    d, dev = _like(input, dtype, device)
    return randint(low, high, input.shape, dtype=d, device=dev)


def randperm(
    n: int,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    values = numpy_rng(generator).permutation(int(n))
    return _place(
        values.astype(dt.as_dtype(dtype) if dtype is not None else dt.int64), device, requires_grad
    )
