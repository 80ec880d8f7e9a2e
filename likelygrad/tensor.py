"""A thin `Tensor`: an array, its gradient, and the graph node that made it. No math lives here.

Methods are one line each, handing arrays to an op (`ops.py`, `reductions.py`, `shape_ops.py`,
...) through `apply`, which records a graph node when a gradient is needed. The methods live in
mixins by concept (`tensor_math.py`, `tensor_shape.py`, `tensor_index.py`); this file holds the
core: construction, dtype/device conversion, the autograd interface and the operators.

`t.array` is the backend array (NumPy, CuPy or any Array API array). A leaf that requires grad
owns an accumulator node (`_node`), so `requires_grad` is simply `_node is not None`.
"""

from __future__ import annotations

import copy as _copy
import math
import weakref
from typing import Any

import numpy as np

from . import dispatch
from . import dtypes as dt
from .autograd.engine import Node, RemovableHandle, run_backward
from .backend import as_device, backend_for, backend_of
from .dispatch import ACCUMULATE, infer, leaf_node
from .dispatch import make as _make
from .tensor_index import IndexingMethods
from .tensor_math import MathMethods
from .tensor_shape import ShapeMethods

_new = object.__new__
_ndarray = np.ndarray


class Tensor(MathMethods, ShapeMethods, IndexingMethods):
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
            if foreign and hasattr(src, "__array_namespace__") and dtype is None:
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
    shape = property(lambda self: tuple(self.array.shape), doc="The shape, a tuple of ints.")
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
    T = property(lambda self: self.permute(*reversed(range(self.ndim))), doc="Axes reversed.")
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
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None, got {type(value).__name__}"
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: {value.shape} vs {self.shape}"
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

    def _dim(self, dim: int) -> int:
        """`dim` as a non-negative axis; IndexError naming the tensor's ndim otherwise."""
        from .shape_ops import normalize_dim

        return normalize_dim(dim, self.array.ndim)

    # ---- conversion to Python and NumPy -------------------------------------------------------
    def numpy(self, force: bool = False) -> np.ndarray:
        """The data as a NumPy array, sharing memory on the CPU; a GPU tensor needs .cpu()."""
        a = self.array
        if type(a) is _ndarray:
            return a
        b = backend_of(a)
        if b.device_of(a).type != "cpu":
            if force:
                return b.to_numpy(a)
            raise TypeError(
                f"can't convert {b.device_of(a)} device type tensor to numpy. Use Tensor.cpu() "
                "to copy the tensor to host memory first."
            )
        return b.to_numpy(a)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar "
                f"(item() needs exactly one element; this tensor has shape {self.shape})"
            )
        return self.numpy(force=True).reshape(()).item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists of numbers."""
        return self.numpy(force=True).tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        a = self.numpy()
        if copy:
            return np.array(a, dtype=dtype, copy=True)
        return a if dtype is None else a.astype(dtype, copy=False)

    def __dlpack__(self, **kwargs: Any) -> Any:
        """DLPack export: torch.tensor(t), torch.from_dlpack(t), np.from_dlpack(t) share data."""
        return self.array.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> Any:
        return self.array.__dlpack_device__()

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape "
                f"{self.shape}): use .any() or .all()"
            )
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __index__(self) -> int:
        if self.numel() != 1 or self.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self) -> Any:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __format__(self, spec: str) -> str:
        if self.ndim == 0 or (spec and self.numel() == 1):
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        from .printing import tensor_repr

        return tensor_repr(self)

    __hash__ = object.__hash__

    def _repr_html_(self) -> str:
        """Shape, dtype, device and gradient status above the repr (Jupyter)."""
        from .viz.notebook import tensor_html

        return tensor_html(self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickling (for multiprocessing and copying; likelygrad never loads pickles): the data
        as NumPy, requires_grad and the device. Only leaves, as in torch."""
        if not self.is_leaf:
            raise RuntimeError(
                "Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
                "autograd does not support crossing process boundaries. Detach it first."
            )
        state = (self.numpy(force=True), self.requires_grad, str(self.device), self._name)
        return (_rebuild, (type(self), *state))

    def __deepcopy__(self, memo: dict) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment. Call .detach() first."
            )
        new = _new(type(self))
        memo[id(self)] = new
        new.array = (
            _copy.deepcopy(self.array, memo)
            if type(self.array) is not _ndarray
            else self.array.copy()
        )
        new._grad = None if self._grad is None else _make(self._grad.array.copy(), None)
        new._node, new._version, new._base, new._name = None, [0], None, self._name
        if self._node is not None:
            new._node = leaf_node(new)
        for k, v in getattr(self, "__dict__", {}).items():
            setattr(new, k, _copy.deepcopy(v, memo))
        return new

    # ---- autograd -----------------------------------------------------------------------------
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Backpropagate: add d(self)/d(leaf) (times `gradient`) into every leaf's `.grad`."""
        a = self.array
        if gradient is None and inputs is None and not create_graph and type(a) is _ndarray:
            if a.size == 1 and self._node is not None:  # the common case: loss.backward()
                run_backward([self._node], [np.ones(a.shape, a.dtype)], bool(retain_graph))
                return
        from .autograd.api import backward

        backward(
            [self], None if gradient is None else [gradient], retain_graph, create_graph, inputs
        )

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory and the version counter)."""
        return _make(self.array, None, self._version)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place; it becomes a leaf."""
        self._node = None
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Make this leaf record operations (or stop); returns self."""
        if not self.is_leaf:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, and this one is "
                f"{self.dtype}: convert it first, e.g. .float()"
            )
        if requires_grad and self._node is None:
            self._node = leaf_node(self)
        elif not requires_grad:
            self._node = None
        return self

    def retain_grad(self) -> Tensor:
        """Keep this intermediate's gradient in `.grad` during backward (leaves always do)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        node = self._node
        if self.is_leaf or (node.meta or {}).get("retain") is not None:
            return self
        ref = node.out = weakref.ref(self)

        def keep(g: Any) -> None:
            t = ref()
            if t is not None:
                t._grad = (
                    _make(node.xp.asarray(g, copy=True), None)
                    if t._grad is None
                    else _make(node.xp.asarray(t._grad.array + g), None)  # 0-d: an array
                )

        node.meta = {**(node.meta or {}), "retain": keep}
        node.hooks = (node.hooks or []) + [keep]
        return self

    @property
    def retains_grad(self) -> bool:
        return (
            not self.is_leaf
            and self._node is not None
            and (self._node.meta or {}).get("retain") is not None
        )

    def register_hook(self, hook: Any) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces
        the gradient (for a leaf, what is accumulated). Returns a handle with `.remove()`."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self._node
        if node.hooks is None:
            node.hooks = []

        def run(g: Any) -> Any:
            out = hook(_make(g, None))
            return None if out is None else (out.array if isinstance(out, Tensor) else out)

        retain = (node.meta or {}).get("retain")
        at = len(node.hooks) - (1 if retain is not None and retain in node.hooks else 0)
        node.hooks.insert(at, run)  # before retain_grad's, so .grad shows the changed value
        return RemovableHandle(node.hooks, run)

    def register_post_accumulate_grad_hook(self, hook: Any) -> RemovableHandle:
        """Call `hook(tensor)` after backward has added into this leaf's `.grad` (once per
        backward, in reverse topological order: data-parallel training starts reducing here)."""
        if not self.is_leaf:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        meta = self._node.meta = self._node.meta or {}
        hooks = meta.setdefault("post", [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)


def _rebuild(cls: type, values: np.ndarray, requires_grad: bool, device: str, name: Any) -> Tensor:
    """Unpickling: a leaf of class `cls` (Tensor or Parameter) with these values."""
    t: Tensor = _new(cls)
    arr: Any = np.array(values)
    if device != "cpu":
        arr = backend_for(as_device(device)).asarray(arr, device=as_device(device))
    t.array, t._grad, t._node, t._version, t._base, t._name = arr, None, None, [0], None, name
    if requires_grad:
        t.requires_grad_(True)
    return t


class Size(tuple):
    """A shape: a tuple, plus torch.Size's numel()."""

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self) -> str:
        return f"lg.Size({list(self)})"


def is_tensor(obj: object) -> bool:
    """True for likelygrad tensors (and parameters)."""
    return isinstance(obj, Tensor)


dispatch.Tensor = Tensor  # dispatch makes Tensors without importing this module
