"""Applying ops to tensors: recording graph nodes, PyTorch's type promotion, in-place updates.

`apply(op, *tensors)` runs an op's forward on the tensors' arrays and, when gradients are
recorded and an input requires one, links a `Node` into the graph. `binary` promotes dtypes
first. `inplace` updates a tensor's own storage (so views see it), bumps its version counter, and
under autograd re-points the tensor at the op's node, so its history stays correct.

The Tensor class registers itself here (`Tensor`), so this module imports nothing from it.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

import numpy as np

from . import dtypes as dt
from .autograd.engine import OBSERVERS
from .autograd.modes import _ANOMALY, _MODE, anomaly_error
from .autograd.node import Node
from .backend import NUMPY, backend_of, common_backend
from .errors import DataTypeError, ScalarConversionError, ShapeError

Tensor: Any = None  # set by tensor.py once the class exists
_new = object.__new__
_ndarray = np.ndarray
_NO_NEEDS = [(False,) * n for n in range(16)]
_ONE = (True,)


class _Accumulate:
    """The op of a leaf's accumulator node: adds the gradient into the leaf's `.grad`."""

    is_leaf = True
    name = grad_name = "AccumulateGrad"

    @staticmethod
    def accumulate(node: Node, g: Any, undo: list) -> None:
        """Add `g` into the leaf's `.grad` (in place when it can, as torch), undoably."""
        t = node.out() if node.out is not None else None
        if t is None:  # the leaf is gone: nobody can read its gradient
            return
        if type(g) is not _ndarray and isinstance(g, np.generic):
            g = np.asarray(g)  # two 0-d gradients summed give a NumPy scalar: keep an array
        old = t._grad
        if old is None:
            t._grad = make(g, None)
            undo.append((_Accumulate, (t, None, None)))
        elif old.array.shape == g.shape and old.array.dtype == g.dtype:
            undo.append((_Accumulate, (t, old, node.xp.asarray(old.array, copy=True))))
            old.array += g
        else:
            undo.append((_Accumulate, (t, old, None)))
            t._grad = make(old.array + g, None)
        if node.meta is not None:
            for hook in node.meta.get("post", ()):
                hook(t)

    @staticmethod
    def restore(entry: tuple) -> None:
        """Undo one `accumulate` (a backward that failed later changes no gradient)."""
        t, old, values = entry
        if values is not None:
            old.array[...] = values
        t._grad = old


ACCUMULATE = _Accumulate()


def leaf_node(t: Any) -> Node:
    """A new accumulator node for leaf `t` (held by `t`; it refers back to `t` weakly)."""
    node = Node(ACCUMULATE, (), (), (), backend_of(t.array))
    node.out = weakref.ref(t)
    if t._name:
        node.meta = {"name": t._name}
    return node


def make(a: Any, node: Node | None, version: list | None = None) -> Any:
    """A Tensor around array `a` (no copy), made by `node` (None: a constant)."""
    t = _new(Tensor)
    t.array, t._grad, t._node, t._version, t._base, t._name = (
        a, None, node, [0] if version is None else version, None, None,
    )  # fmt: skip
    return t


def cpu_scalar_to(t: Any, like: Any) -> Any:
    """`t` moved to `like`'s device when t is a 0-d CPU tensor that needs no gradient and like
    lives elsewhere: torch lets such a scalar (`torch.tensor(2.0)`) meet tensors on any device
    in elementwise ops, as a Python number does. The copy keeps t's version counter, so an
    in-place change of t before backward is caught as for t itself."""
    a, la = t.array, like.array
    if type(a) is not _ndarray or a.ndim != 0 or type(la) is _ndarray or t._node is not None:
        return t
    b = backend_of(la)
    return make(b.asarray(a, device=b.device_of(la)), None, t._version)


def apply(op: Any, *inputs: Any, **options: Any) -> Any:
    """Run `op` forward on the inputs' arrays; record a node if any input requires a gradient."""
    arrays = [t.array for t in inputs]
    xp: Any = NUMPY
    for a in arrays:
        if type(a) is not _ndarray:
            xp = common_backend(arrays, op.name)
            break
    if OBSERVERS:
        return _observed(op, inputs, options)
    if _MODE.enabled:
        nexts = tuple([t._node for t in inputs])
        if nexts.count(None) != len(nexts):
            needs = _ONE if len(nexts) == 1 else tuple([n is not None for n in nexts])
            node = Node(op, nexts, needs, arrays, xp)
            out = op.forward(node, *arrays, **options)
            if type(out) is not _ndarray:
                out = _as_array(xp, out, arrays, op)
            t = _new(Tensor)  # make(), written out: this is the hottest path of the engine
            t.array, t._grad, t._node, t._base, t._name = out, None, node, None, None
            if op.view:
                t._version = inputs[0]._version
                t._base = inputs[0] if inputs[0]._base is None else inputs[0]._base
            else:
                t._version = [0]
            saved = op.saved_inputs
            if saved:  # remember the versions of what the VJPs that will run read
                cross = op.saved_for  # input i is read only by input cross[i]'s VJP
                vs = [
                    (inputs[i]._version, inputs[i]._version[0], i)
                    for i in saved
                    if cross is None or needs[cross[i]]
                ]
                if op.saves_output:
                    vs.append((t._version, t._version[0], -1))
                node.versions = vs
            elif op.saves_output:
                node.versions = [(t._version, t._version[0], -1)]
            if _ANOMALY.enabled:
                _check_forward(node, out)
            return t
    ctx = Node(op, (), _NO_NEEDS[len(arrays)], arrays, xp)
    out = op.forward(ctx, *arrays, **options)
    if type(out) is not _ndarray:
        out = _as_array(xp, out, arrays, op)
    if op.view:
        t = make(out, None, inputs[0]._version)
        t._base = inputs[0] if inputs[0]._base is None else inputs[0]._base
        return t
    return make(out, None)


def _observed(op: Any, inputs: tuple, options: dict) -> Any:
    """`apply` with every observer told how long the forward took."""
    saved = OBSERVERS[:]
    OBSERVERS.clear()  # the inner apply runs unobserved
    try:
        t0 = time.perf_counter()
        out = apply(op, *inputs, **options)
        seconds = time.perf_counter() - t0
    finally:
        OBSERVERS[:] = saved
    for obs in saved:
        obs("forward", out._node if out._node is not None else op, seconds)
    return out


def _as_array(xp: Any, out: Any, arrays: list, op: Any) -> Any:
    if isinstance(out, np.generic):  # NumPy returns scalars for 0-d results: keep arrays
        return np.asarray(out)
    if op.crosses_devices or any(type(out) is type(a) for a in arrays):
        return out
    raise TypeError(
        f"{op.name}: returned a {type(out).__name__} for {xp.name} inputs; an op's portable "
        "path called NumPy (or another library) directly instead of ctx.xp"
    )


def _check_forward(node: Node, out: Any) -> None:
    import traceback

    node.meta = {**(node.meta or {}), "stack": traceback.extract_stack()[:-3]}
    xp = node.xp
    if not _ANOMALY.check_nan:
        return
    if dt.as_dtype(out.dtype).kind in "fc" and not bool(xp.all(xp.isfinite(out))):
        raise anomaly_error(node, "the output of {op}")


# ---- operands and promotion ---------------------------------------------------------------------


def const(like: Any, value: Any, dtype: np.dtype | None = None) -> Any:
    """`value` as a constant tensor on `like`'s backend and device (of `dtype`, else like's)."""
    a = like.array
    if dtype is None and isinstance(value, np.ndarray):
        dtype = value.dtype  # an array keeps its dtype; a number takes like's
    if type(a) is _ndarray:
        return make(np.array(value, dtype=dtype or a.dtype), None)
    b = backend_of(a)
    return make(b.asarray(value, dtype=dtype or b.dtype_of(a), device=b.device_of(a)), None)


def infer(data: Any) -> np.ndarray:
    """Python data as an array with PyTorch's inference: ints -> int64, floats -> the default
    float dtype, bools -> bool; NumPy arrays and scalars keep their dtype."""
    if isinstance(data, Tensor):
        return data.numpy(force=True)
    if isinstance(data, np.ndarray | np.generic):
        return np.asarray(data)
    if isinstance(data, range):
        data = list(data)
    if isinstance(data, list | tuple):
        data = _scalars_of_tensors(data)
    arr = np.asarray(data)
    if arr.dtype == np.float64 and not _has_numpy_float64(data):
        arr = arr.astype(dt.get_default_dtype())
    elif arr.dtype == np.complex128 and dt.get_default_dtype() == dt.float32:
        arr = arr.astype(np.complex64)
    elif arr.dtype.kind not in "biufc":
        raise DataTypeError(
            f"cannot make a tensor from {type(data).__name__} data of NumPy dtype {arr.dtype}: "
            "tensors hold numbers (bool, int, float or complex)"
        )
    return arr


def _scalars_of_tensors(data: Any) -> Any:
    """Tensors inside (nested) lists as 0-d arrays of their dtype, as torch.tensor takes them:
    each must hold one element ([tensor([1.]), tensor([2.])] has shape (2,))."""
    if isinstance(data, Tensor):
        if data.numel() != 1:
            raise ScalarConversionError(
                "only one element tensors can be converted to Python scalars"
            )
        return data.numpy(force=True).reshape(())
    if isinstance(data, list | tuple) and any(isinstance(v, Tensor | list | tuple) for v in data):
        return [_scalars_of_tensors(v) for v in data]
    return data


def _has_numpy_float64(data: Any) -> bool:
    """True if nested data holds float64 arrays (those keep their dtype, as torch's do)."""
    if isinstance(data, np.ndarray):
        return data.dtype == np.float64
    if isinstance(data, list | tuple):
        return any(_has_numpy_float64(v) for v in data)
    return False


def operand(x: Any, like: Any) -> tuple[Any, Any]:
    """(what promotion sees, x): tensors as (dtype, ndim); scalars stay weak Python values;
    arrays and lists become constant tensors on `like`'s device."""
    if isinstance(x, Tensor):
        return (x.dtype, x.array.ndim), x
    if isinstance(x, int | float | bool | complex | np.generic):
        return x, x
    arr = infer(x)
    return (arr.dtype, arr.ndim), const(like, arr, arr.dtype)


def promote(op_name: str, *xs: Any, float_only: bool = False) -> tuple[list[Any], np.dtype]:
    """The operands as tensors of one dtype (PyTorch's promotion), and that dtype."""
    like = next(x for x in xs if isinstance(x, Tensor))
    specs, ts = zip(*(operand(x, like) for x in xs))
    d = dt.result_type(*specs)
    if float_only and d.kind in "biu":  # true division of integers gives floats
        d = dt.get_default_dtype()
    return [cast(t, d, like) for t in ts], d


def cast(t: Any, d: np.dtype, like: Any) -> Any:
    """`t` (a tensor or a scalar) as a tensor of dtype `d`, differentiably."""
    if not isinstance(t, Tensor):
        return const(like, t, d)
    return t if t.dtype == d else t.to(d)


def binary(op: Any, a: Any, b: Any) -> Any:
    """`op(a, b)` after PyTorch's type promotion, with a broadcasting error naming both shapes."""
    aa = a.array
    if type(aa) is _ndarray and type(b) is float and aa.dtype.kind == "f":
        ta, tb = a, make(np.array(b, dtype=aa.dtype), None)  # float tensor ⊕ number
    elif (
        isinstance(b, Tensor)
        and type(aa) is _ndarray
        and type(b.array) is _ndarray
        and (aa.dtype == b.array.dtype and not (op.float_only and aa.dtype.kind != "f"))
    ):
        ta, tb = a, b
    else:
        (ta, tb), _ = promote(op.name, a, b, float_only=op.float_only)
        if type(ta.array) is not type(tb.array):
            ta, tb = cpu_scalar_to(ta, tb), cpu_scalar_to(tb, ta)
    try:
        return apply(op, ta, tb)
    except ValueError as e:
        if "broadcast" not in str(e) and "shape" not in str(e):
            raise
        raise ShapeError(broadcast_message(op.name, ta.array.shape, tb.array.shape)) from None


def broadcast_message(name: str, a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """The error for shapes that do not broadcast: which dimension, and how to fix it."""
    for i in range(1, min(len(a), len(b)) + 1):
        if a[-i] != b[-i] and 1 not in (a[-i], b[-i]):
            return (
                f"{name}: shapes {a} and {b} cannot be broadcast: dimension -{i} is {a[-i]} in "
                f"one and {b[-i]} in the other (sizes must match or be 1). Reshape one operand "
                f"(e.g. x.reshape(-1, 1) or x[:, None]) so the sizes line up."
            )
    return f"{name}: shapes {a} and {b} cannot be broadcast"
