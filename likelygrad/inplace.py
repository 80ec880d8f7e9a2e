"""In-place updates (`add_`, `x[i] = v`, `copy_`, ...): PyTorch's rules and version counters.

A tensor's version counter (shared with its views and detached aliases) counts writes to its
storage. An op that saved a tensor for its VJP records the version it saw; backward compares,
so a gradient is never computed from values overwritten since the forward pass.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import dtypes as dt
from .autograd.modes import _MODE
from .backend import backend_of
from .dispatch import ACCUMULATE, apply, cpu_scalar_to, make, promote

_ndarray = np.ndarray


def check_inplace(t: Any, what: str) -> None:
    """PyTorch's rule: a leaf that requires grad may change in place only under no_grad."""
    if _MODE.enabled and t._node is not None and t._node.op is ACCUMULATE:
        raise RuntimeError(
            f"a leaf Variable that requires grad is being used in an in-place operation "
            f"({what}). Wrap the update in `with lg.no_grad():` (as optimizers do), or work on "
            "a copy: x = x.clone()."
        )


def inplace(t: Any, op: Any, *others: Any, what: str | None = None, **options: Any) -> Any:
    """t ← op(t, *others) in t's own storage; returns t.

    The result must keep t's shape, and its dtype must cast to t's (an int tensor cannot take a
    float result), as in torch. Under autograd the op is recorded out of place on a copy of t's
    old values (what its VJP may need) and t is re-pointed at the new node.
    """
    name = what or f"{op.name}_"
    check_inplace(t, name)
    (src, *rest), d = (
        promote(name, t, *others, float_only=op.float_only) if others else ([t], t.dtype)
    )
    if dt.category(d) > dt.category(t.dtype):
        raise RuntimeError(
            f"{name}: result type {d} can't be cast to the desired output type {t.dtype}"
        )
    rest = [cpu_scalar_to(o, t) for o in rest]  # x.mul_(torch.tensor(2.0)) on a GPU tensor
    record = _MODE.enabled and (t._node is not None or any(o._node is not None for o in rest))
    if record:
        if t._base is not None and t._base._node is not None:
            raise RuntimeError(
                f"{name}: an in-place operation on a view of a tensor that is part of a graph is "
                "not supported (the change cannot be sent back to the base). Use an out-of-place "
                "op, index assignment on the base tensor, or .clone() the view first."
            )
        if 0 in op.saved_inputs and src is t:  # the VJP needs the old values: keep a copy
            src = make(backend_of(t.array).asarray(t.array, copy=True), t._node)
        rest = [  # an operand sharing t's memory (t itself, t.detach()) is saved as it was too
            make(backend_of(o.array).asarray(o.array, copy=True), o._node)
            if o._version is t._version and i + 1 in op.saved_inputs
            else o
            for i, o in enumerate(rest)
        ]
        result = apply(op, src, *rest, **options)
    elif op.iop is not None and len(rest) == 1 and not options:  # a += b, no temporary
        try:
            op.iop(t.array, rest[0].array)
        except ValueError:
            raise RuntimeError(
                f"{name}: output with shape {tuple(t.shape)} doesn't match the broadcast shape "
                f"{broadcast_shape(t.shape, rest[0].shape)}"
            ) from None
        t._version[0] += 1
        return t
    else:
        result = apply(op, src, *rest, **options)
    write(t, result.array, name)
    if record:
        t._node = result._node
        t._node.out = weakref.ref(t)
        if t._name:
            t._node.meta = {**(t._node.meta or {}), "name": t._name}
    return t


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | str:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return "(none: the shapes do not broadcast)"


def write(t: Any, values: Any, name: str) -> None:
    """Copy `values` into t's storage (views of t see it) and bump its version counter."""
    a = t.array
    if tuple(values.shape) != tuple(a.shape):
        raise RuntimeError(
            f"{name}: output with shape {tuple(a.shape)} doesn't match the broadcast shape "
            f"{tuple(values.shape)} (an in-place result must keep the tensor's shape)"
        )
    if type(a) is _ndarray:
        np.copyto(a, values, casting="unsafe")
    else:
        xp = backend_of(a)
        a[...] = values if xp.dtype_of(values) == xp.dtype_of(a) else xp.astype(values, a.dtype)
    t._version[0] += 1
