"""Data types with PyTorch's names, the default float dtype, and PyTorch's type promotion.

A likelygrad dtype is a NumPy `dtype` (`lg.float32 == np.float32` holds), whatever array library
holds the data. Promotion follows PyTorch, not NumPy, where the two differ:

- categories rank bool < integer < floating; an operand of a higher category decides the kind;
- Python numbers and 0-d tensors are *weak*: they only count when their category is higher than
  every dimensioned operand's, so `float32 tensor * 2.5` stays float32 and
  `int64 tensor * 2.5` becomes the default float dtype (NumPy gives float64 for both
  `int64 * float32` and a float64 0-d array times a float32 one);
- integer division `/` is true division into the default float dtype.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
complex64 = cfloat = np.dtype(np.complex64)
complex128 = cdouble = np.dtype(np.complex128)

_default_dtype: np.dtype = float32
_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}

# Python's own types name their widest NumPy equivalents, as in torch (dtype=float is float64).
_ALIASES = {"float": float64, "int": int64, "bool": bool_, "long": int64, "double": float64}


def get_default_dtype() -> np.dtype:
    """The dtype given to Python floats and lists of them (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype for Python floats: float32 or float64 (float16 as torch allows)."""
    global _default_dtype
    d = as_dtype(dtype)
    if d not in (float16, float32, float64):
        raise TypeError(f"set_default_dtype: only floating-point types are supported, got {d}")
    _default_dtype = d


def as_dtype(dtype: Any) -> np.dtype:
    """Any dtype spelling (lg.float32, np.float32, 'float32', float, torch's 'long') as np.dtype."""
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(dtype, str) and dtype in _ALIASES:
        return _ALIASES[dtype]
    np_dtype = getattr(dtype, "_np_dtype", None)  # array_api_strict's dtype objects
    if np_dtype is not None:
        return np.dtype(np_dtype)
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{dtype!r} is not a dtype likelygrad knows (e.g. lg.float32)") from None
    if d.kind not in "biufc":
        raise TypeError(f"dtype {d} is not numeric: tensors hold bool, int, float or complex")
    return d


def category(dtype: np.dtype) -> int:
    """0 bool, 1 integer, 2 floating, 3 complex: the ranks of PyTorch's promotion."""
    return _CATEGORY[dtype.kind]


def is_floating_point(dtype: np.dtype) -> bool:
    """True for float16/32/64."""
    return dtype.kind == "f"


def scalar_dtype(value: Any) -> np.dtype:
    """The dtype a Python or NumPy scalar stands for: bool, int64, or the default float."""
    if isinstance(value, bool | np.bool_):
        return bool_
    if isinstance(value, int | np.integer):
        return int64
    if isinstance(value, complex | np.complexfloating):
        return complex64 if _default_dtype == float32 else complex128
    return _default_dtype


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """The smallest dtype both convert to; unlike NumPy, an integer and a float give the float
    (torch.promote_types: int64 with float32 is float32, uint8 with int8 is int16)."""
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb and builtins.max(ca, cb) >= 2:  # the float (or complex) side decides
        hi, lo = (a, b) if ca > cb else (b, a)
        if category(lo) == 2 and hi.kind == "c":  # float64 with complex64 is complex128
            return np.promote_types(hi, lo)
        return hi
    return np.promote_types(a, b)


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """Join the result of a stronger priority class with a weaker one (PyTorch's rule)."""
    if higher is None:
        return lower
    if lower is None or category(higher) >= 2:
        if lower is not None and category(higher) == 2 and category(lower) == 3:
            return promote_types(higher, lower)
        return higher
    if higher.kind == "b" or category(lower) >= 2:
        return promote_types(higher, lower)
    return higher


def result_type(*operands: tuple[np.dtype, int] | Any) -> np.dtype:
    """The dtype of an elementwise op on `operands`: (dtype, ndim) pairs for tensors and arrays,
    Python or NumPy scalars as themselves."""
    dims: np.dtype | None = None
    zero: np.dtype | None = None
    weak: np.dtype | None = None
    for op in operands:
        if isinstance(op, tuple):
            d, ndim = op
            if ndim:
                dims = d if dims is None else promote_types(dims, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            d = scalar_dtype(op)
            weak = d if weak is None else promote_types(weak, d)
    out = _combine(dims, _combine(zero, weak))
    assert out is not None, "result_type needs at least one operand"
    return out


class finfo:
    """Limits of a floating dtype (eps, max, min, tiny), as torch.finfo."""

    def __init__(self, dtype: Any = None) -> None:
        info = np.finfo(as_dtype(dtype) if dtype is not None else _default_dtype)
        self.bits, self.eps, self.max, self.min = (
            info.bits,
            float(info.eps),
            float(info.max),
            float(info.min),
        )
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution, self.dtype = float(info.resolution), str(info.dtype)

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, "
            f"eps={self.eps}, dtype={self.dtype})"
        )


class iinfo:
    """Limits of an integer dtype (min, max, bits), as torch.iinfo."""

    def __init__(self, dtype: Any) -> None:
        info = np.iinfo(as_dtype(dtype))
        self.bits, self.min, self.max, self.dtype = (
            info.bits,
            int(info.min),
            int(info.max),
            str(info.dtype),
        )

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
