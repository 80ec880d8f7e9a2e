"""Making tensors: from data (`tensor`, `as_tensor`, `from_numpy`) and filled (`zeros`, `full`,
`arange`, `eye`, ...), with PyTorch's signatures: sizes as varargs or one sequence, and
`dtype=`, `device=`, `requires_grad=`. Random tensors are made in `random_tensors.py`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import dispatch as D
from . import dtypes as dt
from .backend import CPU, backend_for, is_foreign_array
from .buffers import copy_of
from .devices import device_or_default
from .errors import OutOfRangeError, ShapeError
from .tensor import Tensor
from .tensor_shape import sizes as sizes_of

_make = D.make


def _place(arr: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
    """A NumPy array as a tensor on `device` (moved there unless it is the CPU)."""
    d = device_or_default(device)
    if d.type != "cpu":
        arr = backend_for(d).asarray(arr, device=d)
    t = _make(arr, None)
    return t.requires_grad_() if requires_grad else t


def tensor(
    data: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor holding a copy of `data`, its dtype inferred as PyTorch does.

    Python ints become int64, floats the default dtype (float32), bools bool; NumPy arrays and
    tensors keep their dtype. Only floating-point tensors can require gradients.
    """
    if isinstance(data, Tensor):  # torch warns here; a detached copy is what it makes
        return _copy_of(data.detach().to(device=device, dtype=dtype), requires_grad)
    if is_foreign_array(data):
        xp = D.backend_of(data)
        arr = xp.asarray(
            data,
            copy=True,
            dtype=None if dtype is None else dt.as_dtype(dtype),
            device=xp.device_of(data),
        )
        t = _make(arr, None) if device is None else _make(arr, None).to(device)
        return t.requires_grad_() if requires_grad else t
    if dtype is not None and not isinstance(data, np.ndarray | np.generic):
        # straight to the asked dtype: 0.9 as float64 must not pass through float32 first
        try:
            arr = np.array(D.infer(data) if _has_tensors(data) else data, dtype=dt.as_dtype(dtype))
        except OverflowError as e:  # tensor([2**40], dtype=int32)
            raise OutOfRangeError(
                f"value cannot be converted to type {dt.as_dtype(dtype)} without overflow ({e})"
            ) from None
    elif isinstance(data, np.ndarray) and (dtype is None or dt.as_dtype(dtype) == data.dtype):
        arr = copy_of(data)  # a batch copied every step: into a recycled buffer (buffers.py)
    else:
        arr = D.infer(data)
        arr = np.array(arr, dtype=None if dtype is None else dt.as_dtype(dtype), copy=True)
    return _place(arr, device, requires_grad)


def _has_tensors(data: Any) -> bool:
    return isinstance(data, list | tuple) and any(isinstance(v, Tensor) for v in data)


def _copy_of(t: Tensor, requires_grad: bool) -> Tensor:
    out = _make(D.backend_of(t.array).asarray(t.array, copy=True), None)
    return out.requires_grad_() if requires_grad else out


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """`data` as a tensor, sharing memory when it already is an array of that dtype and device."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype) if (dtype or device) else data
    if (
        isinstance(data, np.ndarray)
        and (dtype is None or dt.as_dtype(dtype) == data.dtype)
        and device_or_default(device) == CPU
    ):
        return _make(data, None)
    if is_foreign_array(data) and dtype is None and device is None:
        return _make(data, None)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    if array.dtype.kind not in "biufc":
        raise TypeError(
            f"can't convert np.ndarray of type {array.dtype}: tensors hold bool, int, float "
            "or complex"
        )
    return _make(array, None)


def _filled(
    fill: Any,
    size: tuple[Any, ...],
    dtype: Any,
    device: Any,
    requires_grad: bool,
    default: Any = None,
) -> Tensor:
    d = dt.as_dtype(dtype) if dtype is not None else (default or dt.get_default_dtype())
    shape = sizes_of(size)
    if any(n < 0 for n in shape):
        bad = next(n for n in shape if n < 0)
        raise ShapeError(f"Trying to create tensor with negative dimension {bad}: {list(shape)}")
    try:
        return _place(np.full(shape, fill, dtype=d), device, requires_grad)
    except OverflowError as e:  # full(2, 2**40, dtype=int32)
        raise OutOfRangeError(
            f"value cannot be converted to type {d} without overflow ({e})"
        ) from None


def into(out: Tensor | None, t: Tensor) -> Tensor:
    """torch's `out=` for factories: `t` written into `out` (resized when its shape differs)
    and `out` returned; `t` itself when there is no `out`."""
    if out is None:
        return t
    if out.shape != t.shape:
        out.array = D.backend_of(out.array).astype(t.array, out.dtype)
    else:
        out.copy_(t)
    return out


def _shape(sizes: tuple, size: Any) -> tuple:
    """A factory's shape given as varargs (zeros(2, 3), zeros((2, 3))) or as size=(2, 3)."""
    if size is None:
        return sizes
    if sizes:
        raise TypeError("got the size both as positional arguments and as size=: give one")
    return (size,)


def zeros(
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    out: Any = None,
) -> Tensor:
    """A tensor of zeros."""
    return into(out, _filled(0, _shape(sizes, size), dtype, device, requires_grad))


def ones(
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    out: Any = None,
) -> Tensor:
    """A tensor of ones."""
    return into(out, _filled(1, _shape(sizes, size), dtype, device, requires_grad))


def empty(
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    out: Any = None,
    **_: Any,
) -> Tensor:
    """A tensor whose values are unspecified (zeros here, so runs are reproducible)."""
    return into(out, _filled(0, _shape(sizes, size), dtype, device, requires_grad))


def full(
    size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor filled with `fill_value`; its dtype is inferred from the value, as torch."""
    default = dt.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _filled(
        value,
        tuple(size) if not isinstance(size, int) else (size,),
        dtype,
        device,
        requires_grad,
        default,
    )


def _like(t: Tensor, dtype: Any, device: Any) -> tuple[Any, Any]:
    return (t.dtype if dtype is None else dtype), (t.device if device is None else device)


def zeros_like(
    input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    d, dev = _like(input, dtype, device)
    return zeros(input.shape, dtype=d, device=dev, requires_grad=requires_grad)


def ones_like(
    input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    d, dev = _like(input, dtype, device)
    return ones(input.shape, dtype=d, device=dev, requires_grad=requires_grad)


def empty_like(
    input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    return zeros_like(input, dtype, device, requires_grad)


def full_like(
    input: Tensor,
    fill_value: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **_: Any,
) -> Tensor:
    d, dev = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=d, device=dev, requires_grad=requires_grad)


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start+step, ... below end; int64 when all three are ints, else the default float."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("step must be nonzero")
    default = (
        dt.int64 if all(isinstance(v, int | np.integer) for v in vals) else dt.get_default_dtype()
    )
    d = dt.as_dtype(dtype) if dtype is not None else default
    n = max(math.ceil((vals[1] - vals[0]) / vals[2]), 0)
    arr = (
        vals[0] + np.arange(n, dtype=np.float64 if d.kind == "f" else np.int64) * vals[2]
    ).astype(d)
    return _place(arr, device, requires_grad)


def linspace(
    start: Any,
    end: Any,
    steps: int,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """`steps` evenly spaced values from start to end, both included."""
    d = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    return _place(
        np.linspace(float(start), float(end), int(steps)).astype(d), device, requires_grad
    )


def logspace(
    start: Any, end: Any, steps: int, base: float = 10.0, dtype: Any = None, device: Any = None
) -> Tensor:
    d = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    return _place(
        (base ** np.linspace(float(start), float(end), int(steps))).astype(d), device, False
    )


def eye(
    n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """The n×m identity matrix."""
    d = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
    return _place(np.eye(int(n), None if m is None else int(m), dtype=d), device, requires_grad)
