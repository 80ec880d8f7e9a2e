"""A thin `Tensor`: an array, its gradient, and the node that made it. No math lives here.

Every method is one line that hands the arrays to an op in `ops.py`, `reductions.py` or
`shape_ops.py` through `apply`, which records a graph node when a gradient is needed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from . import reductions as red
from . import shape_ops as sh
from .autograd import _MODE, Node, backward
from .backend import get_default_dtype

Axis = int | tuple[int, ...] | None
_new = object.__new__


def _make(data: np.ndarray, requires_grad: bool, node: Node | None) -> Tensor:
    t = _new(Tensor)
    t.data, t.grad, t.requires_grad, t._node, t._retains_grad, t.name = (
        data, None, requires_grad, node, False, None,
    )  # fmt: skip
    return t


def apply(op: type[ops.Op], *inputs: Tensor, **options: Any) -> Tensor:
    """Run `op` forward on the inputs' arrays; record a node if any input requires a gradient."""
    needs = tuple([t.requires_grad for t in inputs]) if _MODE.enabled else (False,)
    node = Node(op, inputs, needs)
    out = op.forward(node, *[t.data for t in inputs], **options)
    if type(out) is not np.ndarray:  # NumPy returns scalars for 0-d results: keep arrays
        out = np.asarray(out)
    if True in needs:
        return _make(out, True, node)
    return _make(out, False, None)


def _broadcast_message(name: str, a: tuple[int, ...], b: tuple[int, ...]) -> str:
    for i in range(1, min(len(a), len(b)) + 1):
        if a[-i] != b[-i] and 1 not in (a[-i], b[-i]):
            return (
                f"{name}: shapes {a} and {b} cannot be broadcast: dimension -{i} is {a[-i]} in "
                f"one and {b[-i]} in the other (sizes must match or be 1). Reshape one operand "
                f"(e.g. x.reshape(-1, 1) or x[:, None]) so the sizes line up."
            )
    return f"{name}: shapes {a} and {b} cannot be broadcast"


def _binary(op: type[ops.Op], a: Tensor, b: Tensor) -> Tensor:
    try:
        return apply(op, a, b)
    except ValueError:
        raise ValueError(_broadcast_message(op.name, a.shape, b.shape)) from None


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """`x` as a constant Tensor; Python numbers take `like`'s float dtype, so float32 stays."""
    if isinstance(x, Tensor):
        return x
    if like is not None and like.data.dtype.kind == "f" and not isinstance(x, np.ndarray):
        # Python numbers, lists and NumPy scalars (np.pi, np.float64(2)) act as weak scalars.
        return _make(np.asarray(x, dtype=like.data.dtype), False, None)
    if isinstance(x, np.ndarray | np.generic):
        return _make(np.asarray(x), False, None)
    return _make(np.asarray(x, dtype=get_default_dtype()), False, None)


class Tensor:
    """An n-dimensional array that records the operations applied to it, for `backward()`.

    `Tensor(array)` wraps a NumPy array without copying it (unless a cast is needed or it
    requires grad); `lg.tensor(data)` always copies.

    `grad` is None until a backward pass reaches this tensor; gradients then accumulate over
    backward calls (set `.grad = None`, or use an optimizer's `zero_grad()`, to reset them).
    """

    __slots__ = ("data", "grad", "requires_grad", "_node", "_retains_grad", "name", "__weakref__")
    __array_priority__ = 1000  # so ndarray ⊕ Tensor calls our reflected operators

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        arr = _to_array(data, dtype, copy=requires_grad)
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require gradients, and this one is {arr.dtype}: "
                "a gradient needs real-valued inputs. Pass dtype=lg.float32 (or call .float())."
            )
        self.data: np.ndarray = arr
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._node: Node | None = None
        self._retains_grad = False
        self.name: str | None = None

    # ---- array protocol and introspection -----------------------------------------------------
    shape = property(lambda self: self.data.shape, doc="The shape, a tuple of ints.")
    ndim = property(lambda self: self.data.ndim, doc="Number of dimensions.")
    dtype = property(lambda self: self.data.dtype, doc="The NumPy dtype.")
    size = property(lambda self: self.data.size, doc="Number of elements.")
    T = property(lambda self: self.transpose(), doc="The axes reversed (the matrix transpose).")
    is_leaf = property(lambda self: self._node is None, doc="True unless an op produced it.")

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied); detach first if you will mutate it."""
        return self.data

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item(): only one-element tensors convert, this one is {self.shape}")
        return self.data.item()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __bool__(self) -> bool:
        """NumPy's truth value: one-element tensors only (use .any() or .all() otherwise)."""
        return bool(self.data)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extra = "" if self.dtype == np.float32 else f", dtype={self.dtype}"
        if self._node is not None:
            extra += f", op={self._node.op.name}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory)."""
        return _make(self.data, False, None)

    def retain_grad(self) -> Tensor:
        """Keep this intermediate's gradient in `.grad` during backward (leaves always do)."""
        self._retains_grad = True
        return self

    def _accumulate(self, g: np.ndarray) -> None:
        self.grad = g if self.grad is None else self.grad + g

    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Backpropagate: add d(self)/d(leaf) (times `grad`) into every leaf's `.grad`."""
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad, so there is nothing to "
                "differentiate. Create inputs with requires_grad=True (outside no_grad())."
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): the output has shape {self.shape}, not a scalar; pass "
                    "grad= (an array of that shape) or reduce it first, e.g. y.sum().backward()"
                )
            seed = np.array(1, dtype=self.dtype).reshape(self.shape)  # np.ones is slower
        else:
            seed = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if seed.shape != self.shape:
                raise ValueError(f"backward(): grad has shape {seed.shape}, output {self.shape}")
        backward(self, seed, retain_graph)

    # ---- operators ----------------------------------------------------------------------------
    def __add__(self, o: Any) -> Tensor:
        return _binary(ops.Add, self, as_tensor(o, self))

    def __radd__(self, o: Any) -> Tensor:
        return _binary(ops.Add, as_tensor(o, self), self)

    def __sub__(self, o: Any) -> Tensor:
        return _binary(ops.Sub, self, as_tensor(o, self))

    def __rsub__(self, o: Any) -> Tensor:
        return _binary(ops.Sub, as_tensor(o, self), self)

    def __mul__(self, o: Any) -> Tensor:
        return _binary(ops.Mul, self, as_tensor(o, self))

    def __rmul__(self, o: Any) -> Tensor:
        return _binary(ops.Mul, as_tensor(o, self), self)

    def __truediv__(self, o: Any) -> Tensor:
        return _binary(ops.Div, self, as_tensor(o, self))

    def __rtruediv__(self, o: Any) -> Tensor:
        return _binary(ops.Div, as_tensor(o, self), self)

    def __pow__(self, o: Any) -> Tensor:
        return _binary(ops.Pow, self, as_tensor(o, self))

    def __rpow__(self, o: Any) -> Tensor:
        return _binary(ops.Pow, as_tensor(o, self), self)

    def __matmul__(self, o: Any) -> Tensor:
        return apply(ops.Matmul, self, as_tensor(o, self))

    def __rmatmul__(self, o: Any) -> Tensor:
        return apply(ops.Matmul, as_tensor(o, self), self)

    def __neg__(self) -> Tensor:
        return apply(ops.Neg, self)

    def __getitem__(self, index: Any) -> Tensor:
        return apply(sh.GetItem, self, index=_unwrap_index(index))

    # Comparisons give constant boolean tensors (no gradient), as in NumPy and PyTorch.
    def __lt__(self, o: Any) -> Tensor:
        return Tensor(self.data < np.asarray(o))

    def __le__(self, o: Any) -> Tensor:
        return Tensor(self.data <= np.asarray(o))

    def __gt__(self, o: Any) -> Tensor:
        return Tensor(self.data > np.asarray(o))

    def __ge__(self, o: Any) -> Tensor:
        return Tensor(self.data >= np.asarray(o))

    def __eq__(self, o: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.data == np.asarray(o))

    def __ne__(self, o: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.data != np.asarray(o))

    __hash__ = object.__hash__

    # ---- elementwise --------------------------------------------------------------------------
    def exp(self) -> Tensor:
        return apply(ops.Exp, self)

    def log(self) -> Tensor:
        return apply(ops.Log, self)

    def sqrt(self) -> Tensor:
        return apply(ops.Sqrt, self)

    def abs(self) -> Tensor:
        return apply(ops.Abs, self)

    def sigmoid(self) -> Tensor:
        return apply(ops.Sigmoid, self)

    def tanh(self) -> Tensor:
        return apply(ops.Tanh, self)

    def relu(self) -> Tensor:
        return apply(ops.Relu, self)

    def softplus(self) -> Tensor:
        """log(1 + e^x), computed stably."""
        return apply(ops.Softplus, self)

    def log_sigmoid(self) -> Tensor:
        """log σ(x) = -softplus(-x), computed stably (log_sigmoid(-1000) = -1000)."""
        return apply(ops.LogSigmoid, self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return clip(self, min, max)

    def astype(self, dtype: Any) -> Tensor:
        """A cast; differentiable between float dtypes (the gradient is cast back). A cast to an
        integer or bool dtype gives a constant: such tensors cannot carry a gradient."""
        if np.dtype(dtype) == self.dtype:
            return self
        if np.dtype(dtype).kind != "f":
            return _make(self.data.astype(dtype), False, None)
        return apply(ops.Cast, self, dtype=dtype)

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    # ---- reductions (NumPy's axis/keepdims; PyTorch's dim/keepdim accepted) -------------------
    def sum(self, axis: Axis = None, keepdims: bool = False, **torch_kw: Any) -> Tensor:
        axis, keepdims = _axis_args(axis, keepdims, torch_kw)
        return apply(red.Sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False, **torch_kw: Any) -> Tensor:
        axis, keepdims = _axis_args(axis, keepdims, torch_kw)
        return apply(red.Mean, self, axis=axis, keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False, **torch_kw: Any) -> Tensor:
        """The maximum (values only, like NumPy's max / PyTorch's amax); ties share the grad."""
        axis, keepdims = _axis_args(axis, keepdims, torch_kw)
        return apply(red.Max, self, axis=axis, keepdims=keepdims)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, **torch_kw: Any) -> Tensor:
        axis, keepdims = _axis_args(axis, keepdims, torch_kw)
        return apply(red.LogSumExp, self, axis=axis, keepdims=keepdims)

    def softmax(self, axis: int = -1, **torch_kw: Any) -> Tensor:
        return apply(red.Softmax, self, axis=_axis_args(axis, False, torch_kw)[0])

    def log_softmax(self, axis: int = -1, **torch_kw: Any) -> Tensor:
        return apply(red.LogSoftmax, self, axis=_axis_args(axis, False, torch_kw)[0])

    def argmax(self, axis: int | None = None, **torch_kw: Any) -> Tensor:
        """Indices of the maxima (an integer tensor, no gradient)."""
        return Tensor(self.data.argmax(axis=_axis_args(axis, False, torch_kw)[0]))

    # ---- shape --------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """A new shape (`x.reshape(2, -1)` or `x.reshape((2, -1))`), the same elements."""
        return apply(sh.Reshape, self, shape=int_tuple(shape))

    def flatten(self, start_dim: int = 0) -> Tensor:
        return self.reshape(*self.shape[:start_dim], -1)

    def transpose(self, *axes: int) -> Tensor:
        """Two axes: swap them (PyTorch's transpose). Otherwise NumPy's: a permutation of all the
        axes, or none to reverse them. `permute` is the same method."""
        axes = int_tuple(axes)
        if len(axes) == 2:  # (for 2-D tensors NumPy's (1, 0) is this swap too)
            perm = list(range(self.ndim))
            perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
            axes = tuple(perm)
        return apply(sh.Transpose, self, axes=axes or None)

    permute = transpose


def int_tuple(args: tuple[Any, ...]) -> tuple[int, ...]:
    """Sizes or axes given as varargs (f(2, 3)) or as one sequence (f((2, 3))), as ints."""
    if len(args) == 1 and not isinstance(args[0], int | np.integer):
        args = tuple(args[0])
    return tuple(int(a) for a in args)


def _axis_args(axis: Any, keepdims: bool, torch_kw: dict[str, Any]) -> tuple[Any, bool]:
    """Accept PyTorch's `dim`/`keepdim` as aliases of NumPy's `axis`/`keepdims`."""
    for key in torch_kw:
        if key not in ("dim", "keepdim"):
            raise TypeError(f"unexpected keyword argument {key!r} (use axis= or keepdims=)")
    return torch_kw.get("dim", axis), bool(torch_kw.get("keepdim", keepdims))


def _unwrap_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _to_array(data: Any, dtype: Any, copy: bool) -> np.ndarray:
    """Python numbers and lists become the default float dtype; arrays keep theirs.

    An array is copied only when `copy` is set or a cast is needed, so wrapping a batch in a
    Tensor costs nothing.
    """
    if isinstance(data, Tensor):
        data = data.data
    if dtype is None:
        is_array = isinstance(data, np.ndarray | np.generic)
        dtype = None if is_array else get_default_dtype()
    return np.array(data, dtype=dtype, copy=True if copy else None)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to [min, max]; the gradient is 1 inside the bounds (inclusive), else 0."""
    return apply(ops.Clip, x, lo=min, hi=max)
