"""Tensor constructors and the functions that take several tensors (NumPy names)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from . import shape_ops as sh
from .backend import default_generator, get_default_dtype
from .tensor import Tensor, _binary, _make, apply, as_tensor, int_tuple


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A new tensor holding a copy of `data`.

    Python numbers and lists become float32 (the default dtype); NumPy arrays keep their dtype.
    Only floating-point tensors can require gradients.
    """
    if isinstance(data, np.ndarray | np.generic | Tensor) and not requires_grad:
        data = np.array(data.data if isinstance(data, Tensor) else data, dtype=dtype)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A tensor sharing memory with `array` (no copy); with requires_grad=True it gets its own
    copy, since optimizers update parameters in place."""
    if requires_grad:  # leaves that require grad get their own memory (optimizers write to it)
        return Tensor(array, requires_grad)
    return _make(np.asarray(array), False, None)


def zeros(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros."""
    return Tensor(np.zeros(int_tuple(shape), dtype or get_default_dtype()), requires_grad)


def ones(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return Tensor(np.ones(int_tuple(shape), dtype or get_default_dtype()), requires_grad)


def randn(*shape: int, dtype: Any = None, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal samples from `generator` (default: the global one, see manual_seed)."""
    rng = generator or default_generator()
    data = rng.standard_normal(int_tuple(shape), dtype=np.dtype(dtype or get_default_dtype()))
    return Tensor(data, requires_grad)


def _tensors(xs: Sequence[Any], name: str) -> list[Tensor]:
    if len(xs) == 0:
        raise ValueError(f"{name}: needs at least one tensor")
    first = next((x for x in xs if isinstance(x, Tensor)), None)
    return [as_tensor(x, first) for x in xs]


def concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (NumPy's concatenate, PyTorch's cat)."""
    ts = _tensors(tensors, "concatenate")
    axis = axis if dim is None else dim
    try:
        return apply(sh.Concatenate, *ts, axis=axis)
    except (ValueError, np.exceptions.AxisError) as e:
        msg = f"concatenate: shapes {[t.shape for t in ts]} along axis {axis}: {e}"
        raise ValueError(msg) from None


cat = concatenate


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    ts = _tensors(tensors, "stack")
    if len({t.shape for t in ts}) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {[t.shape for t in ts]}")
    return apply(sh.Stack, *ts, axis=axis if dim is None else dim)


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """Elementwise `x if condition else y`; the gradient flows only to the chosen branch."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    like = x if isinstance(x, Tensor) else y if isinstance(y, Tensor) else None
    x, y = as_tensor(x, like), as_tensor(y, like)
    try:
        return apply(sh.Where, x, y, cond=cond)
    except ValueError:
        raise ValueError(
            f"where: condition {cond.shape}, x {x.shape} and y {y.shape} cannot be broadcast "
            "together (sizes must match or be 1)"
        ) from None


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise maximum; at ties each input gets half the gradient."""
    x, y = _tensors([x, y], "maximum")
    return _binary(ops.Maximum, x, y)


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise minimum; at ties each input gets half the gradient."""
    x, y = _tensors([x, y], "minimum")
    return _binary(ops.Minimum, x, y)
