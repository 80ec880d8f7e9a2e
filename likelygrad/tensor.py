"""A thin `Tensor`: an array, its gradient, and the graph node that made it. No math lives here.

Methods are one line each, handing arrays to an op (`ops.py`, `reductions.py`, `shape_ops.py`,
...) through `apply`, which records a graph node when a gradient is needed. The methods live in
mixins by concept (`tensor_math.py`, `tensor_shape.py`, `tensor_index.py`); this file holds the
core: construction, dtype/device conversion, the autograd interface and the operators.

`t.array` is the backend array (NumPy, CuPy or any Array API array). A leaf that requires grad
owns an accumulator node (`_node`), so `requires_grad` is simply `_node is not None`.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from . import dispatch
from . import dtypes as dt
from .autograd.node import Node
from .backend import as_device, backend_for, backend_of, is_foreign_array
from .dispatch import ACCUMULATE, infer
from .dispatch import make as _make
from .tensor_autograd import AutogradMethods
from .tensor_index import IndexingMethods
from .tensor_math import MathMethods
from .tensor_protocols import PythonMethods
from .tensor_shape import ShapeMethods

_new = object.__new__
_ndarray = np.ndarray


class Tensor(MathMethods, ShapeMethods, IndexingMethods, AutogradMethods, PythonMethods):
    """An n-dimensional array that records the operations applied to it, for `backward()`.

    `lg.tensor(data)` copies and infers the dtype as PyTorch does; `lg.as_tensor`/`from_numpy`
    share memory. `Tensor(*sizes)` and `Tensor(data)` are PyTorch's legacy constructors (default
    float dtype). `grad` is None until a backward pass reaches this tensor; gradients then
    accumulate over backward calls.
    """

    array: Any
    _grad: Tensor | None
    _node: Any
    _version: list[int]
    _base: Tensor | None
    _name: str | None

    __slots__ = ("array", "_grad", "_node", "_version", "_base", "_name", "__weakref__")
    __array_priority__ = 1000  # so ndarray ⊕ Tensor calls our reflected operators

    def __init__(
        self, *args: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> None:
        d = dt.as_dtype(dtype) if dtype is not None else dt.get_default_dtype()
        if args and all(isinstance(a, int | np.integer) for a in args):  # Tensor(2, 3): a shape
            arr: Any = np.zeros(tuple(int(a) for a in args), dtype=d)
        elif len(args) == 1:
            src = args[0].array if isinstance(args[0], Tensor) else args[0]
            foreign = not isinstance(src, _ndarray | np.generic)
            if foreign and is_foreign_array(src) and dtype is None:
                arr = src  # an array of another library: wrapped as it is
            else:
                arr = np.array(infer(src), dtype=d)  # the legacy constructor: default float dtype
        elif not args:
            arr = np.zeros(0, dtype=d)
        else:
            raise TypeError(f"Tensor(): expected sizes or one data argument, got {args!r}")
        if device is not None and as_device(device).type != "cpu":
            arr = backend_for(as_device(device)).asarray(arr, device=as_device(device))
        self.array, self._grad, self._node, self._version, self._base, self._name = (
            arr, None, None, [0], None, None,
        )  # fmt: skip
        if requires_grad:
            self.requires_grad_(True)

    # ---- introspection ----------------------------------------------------------------------
    shape = property(
        lambda self: Size(self.array.shape), doc="The shape: a Size, which is a tuple of ints."
    )
    ndim = property(lambda self: self.array.ndim, doc="Number of dimensions.")

    @property
    def dtype(self) -> np.dtype:
        """The dtype, as a NumPy dtype object (lg.float32 == np.float32)."""
        a = self.array
        return a.dtype if type(a) is _ndarray else backend_of(a).dtype_of(a)

    @property
    def device(self) -> Any:
        """Where the data lives: device(type='cpu') or device(type='cuda', index=0)."""
        return backend_of(self.array).device_of(self.array)

    is_cuda = property(lambda self: self.device.type == "cuda", doc="True on a GPU.")
    is_leaf = property(lambda self: self._node is None or self._node.op is ACCUMULATE)

    @property
    def T(self) -> Any:  # noqa: N802
        """Axes reversed (a transpose for matrices; torch warns for other dimensions)."""
        if self.ndim != 2:
            warnings.warn(
                "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
                "deprecated and it will throw an error in a future release. Consider `x.mT` to "
                "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` "
                "to reverse the dimensions of a tensor.",
                UserWarning,
                stacklevel=2,
            )
        return self.permute(*reversed(range(self.ndim)))

    mT = property(lambda self: self.transpose(-2, -1), doc="The last two axes swapped.")

    @property
    def name(self) -> str | None:
        """A label for pictures of the graph (`lg.viz.to_dot`, `lg.explain`); kept by the
        graph node too, so it survives the tensor."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        if self._node is not None:
            self._node.meta = {**(self._node.meta or {}), "name": value}

    @property
    def grad_fn(self) -> Node | None:
        """The node that made this tensor (None for leaves), with name() and next_functions."""
        return None if self.is_leaf else self._node

    @property
    def requires_grad(self) -> bool:
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def grad(self) -> Tensor | None:
        """dL/d(self) accumulated by backward (a Tensor), or None."""
        g = self._grad
        if g is None and self._node is not None and not self.is_leaf and not self.retains_grad:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)  # as torch, a likely mistake
        return g

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None, got {type(value).__name__}"
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: {tuple(value.shape)} vs "
                    f"{tuple(self.shape)}"
                )
            if value.dtype != self.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: {value.dtype} vs {self.dtype}"
                )
        self._grad = value

    @property
    def data(self) -> Tensor:
        """The same memory as a tensor outside the graph; assigning to it swaps the storage."""
        return _make(self.array, None)

    @data.setter
    def data(self, value: Any) -> None:
        self.array = value.array if isinstance(value, Tensor) else np.asarray(value)

    def size(self, dim: int | None = None) -> Any:
        """The shape (as torch.Size, a tuple), or the length of dimension `dim`."""
        return Size(self.array.shape) if dim is None else self.array.shape[self._dim(dim)]

    def dim(self) -> int:
        return self.array.ndim

    ndimension = dim

    def numel(self) -> int:
        """The number of elements."""
        return math.prod(self.array.shape)

    nelement = numel

    def element_size(self) -> int:
        return self.dtype.itemsize

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self.dtype.kind == "c"

    def is_contiguous(self, memory_format: Any = None) -> bool:
        flags = getattr(self.array, "flags", None)
        return True if flags is None else bool(flags["C_CONTIGUOUS"])

    def stride(self, dim: int | None = None) -> Any:
        """Steps in elements between neighbours along each dimension (a tuple), or along
        `dim`: NumPy's byte strides over the item size. Arrays without strides report the
        row-major ones. (A NumPy view may have negative strides where torch copies.)"""
        strides = getattr(self.array, "strides", None)
        if strides is None:
            strides, step = [], 1
            for n in reversed(self.array.shape):
                strides.insert(0, step)
                step *= max(n, 1)
        else:
            strides = [s // self.dtype.itemsize for s in strides]
        return tuple(strides) if dim is None else strides[self._dim(dim)]

    def data_ptr(self) -> int:
        """The address of the first element (0 for an empty tensor), as torch's."""
        if self.numel() == 0:
            return 0
        if isinstance(self.array, np.ndarray):
            return int(self.array.__array_interface__["data"][0])
        ptr = getattr(getattr(self.array, "data", None), "ptr", None)  # CuPy: a MemoryPointer
        if ptr is not None:
            return int(ptr)
        raise RuntimeError(f"data_ptr(): arrays of {type(self.array).__name__} expose no address")

    def _dim(self, dim: int) -> int:
        """`dim` as a non-negative axis; IndexError naming the tensor's ndim otherwise."""
        from .shape_ops import normalize_dim

        return normalize_dim(dim, self.array.ndim)

    __hash__ = object.__hash__


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead."
)


class Size(tuple):
    """A shape: a tuple, plus torch.Size's numel()."""

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self) -> str:
        return f"lg.Size({list(self)})"

    # slices, concatenations and repeats of a Size are Sizes, as torch's
    def __getitem__(self, key: Any) -> Any:
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other: Any) -> Any:
        return Size(tuple(self) + other) if isinstance(other, tuple) else NotImplemented

    def __radd__(self, other: Any) -> Any:
        return Size(other + tuple(self)) if isinstance(other, tuple) else NotImplemented

    def __mul__(self, n: Any) -> Any:
        if not isinstance(n, int | np.integer):  # an array or a tensor multiplies, as for tuples
            return NotImplemented
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__


def is_tensor(obj: object) -> bool:
    """True for likelygrad tensors (and parameters)."""
    return isinstance(obj, Tensor)


dispatch.Tensor = Tensor  # dispatch makes Tensors without importing this module
