"""The Tensor in Python's protocols: numbers, truth, len and iteration, formatting, NumPy's
`__array__`, DLPack, pickling and deep copies.

Pickling is for multiprocessing and `copy`; likelygrad itself never loads a pickle (checkpoints
are safetensors). A tensor on a GPU converts to Python numbers and lists by copying to the host,
but `numpy()` refuses, as in torch: the copy must be asked for with `.cpu()`.
"""

from __future__ import annotations

import copy as _copy
from typing import TYPE_CHECKING, Any

import numpy as np

from .backend import as_device, backend_for, backend_of
from .dispatch import leaf_node
from .dispatch import make as _make
from .errors import ScalarConversionError
from .shared_memory import attach, share, shared_file

if TYPE_CHECKING:
    from .tensor import Tensor

_new = object.__new__
_ndarray = np.ndarray


class PythonMethods:
    """Conversions to Python and NumPy, repr, pickling and copying (mixed into Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...
        def __getitem__(self, index: Any) -> Any: ...

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
                f"(item() needs exactly one element; this tensor has shape {tuple(self.shape)})"
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
                f"{tuple(self.shape)}): use .any() or .all()"
            )
        return bool(self.item())

    def __float__(self) -> float:
        return float(self._one_element())

    def __int__(self) -> int:
        return int(self._one_element())

    def _one_element(self) -> Any:
        """item() for int()/float(): torch raises ValueError there (item() raises RuntimeError)."""
        if self.numel() != 1:
            raise ScalarConversionError(
                "only one element tensors can be converted to Python scalars (this one has shape "
                f"{tuple(self.shape)}: pick an element, or reduce it, e.g. t.sum())"
            )
        return self.item()

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

    def _repr_html_(self) -> str:
        """Shape, dtype, device and gradient status above the repr (Jupyter)."""
        from .viz.notebook import tensor_html

        return tensor_html(self)  # type: ignore[arg-type]  # self is a Tensor

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickling (for multiprocessing and copying; likelygrad never loads pickles): the data
        as NumPy, requires_grad and the device. Only leaves, as in torch."""
        if not self.is_leaf:
            raise RuntimeError(
                "Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
                "autograd does not support crossing process boundaries. Detach it first."
            )
        path = shared_file(self.array)
        if path is not None:  # the file's name, so the receiver maps the same memory
            where = (path, self.array.dtype.str, tuple(self.array.shape))
            return (_rebuild_shared, (type(self), *where, self.requires_grad, self._name))
        state = (self.numpy(force=True), self.requires_grad, str(self.device), self._name)
        return (_rebuild, (type(self), *state))

    def share_memory_(self) -> Any:
        """Move the values into memory that processes this tensor is sent to (multiprocessing,
        any start method) share: their in-place updates change it here too. Only CPU tensors
        (a CUDA tensor is left as it is, as in torch)."""
        if type(self.array) is _ndarray:
            self.array = share(self.array)
        return self

    def is_shared(self) -> bool:
        """True after share_memory_() (or for a shared tensor received from another process)."""
        return shared_file(self.array) is not None

    def __deepcopy__(self, memo: dict) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment. Call .detach() first."
            )
        new: Any = _new(type(self))
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


def _rebuild(cls: type, values: np.ndarray, requires_grad: bool, device: str, name: Any) -> Tensor:
    """Unpickling: a leaf of class `cls` (Tensor or Parameter) with these values."""
    t: Any = _new(cls)
    arr: Any = np.array(values)
    if device != "cpu":
        arr = backend_for(as_device(device)).asarray(arr, device=as_device(device))
    t.array, t._grad, t._node, t._version, t._base, t._name = arr, None, None, [0], None, name
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_shared(
    cls: type, path: str, dtype: str, shape: tuple[int, ...], requires_grad: bool, name: Any
) -> Tensor:
    """Unpickling a shared tensor: a leaf mapping the sender's shared memory."""
    t: Any = _new(cls)
    t.array, t._grad, t._node, t._version, t._base, t._name = (
        attach(path, dtype, shape), None, None, [0], None, name,
    )  # fmt: skip
    if requires_grad:
        t.requires_grad_(True)
    return t
