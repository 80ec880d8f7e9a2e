"""Tensor methods that change shape, dtype or device without computing new values.

Views (`view`, `reshape`, `permute`, `transpose`, `expand`, `squeeze`, ...) share memory with
their base where the array library allows it; their VJPs route gradients back.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from . import dispatch as D
from . import dtypes as dt
from . import ops
from . import shape_ops as SH
from .backend import as_device, backend_for, backend_of, device


def sizes(args: tuple[Any, ...]) -> tuple[int, ...]:
    """Sizes or axes given as varargs (f(2, 3)) or as one sequence (f((2, 3))), as ints."""
    if len(args) == 1 and not hasattr(args[0], "__index__"):
        args = tuple(args[0])
    return tuple(a.__index__() for a in args)


class ShapeMethods:
    """Reshaping, permuting, joining, splitting and converting (mixed into Tensor)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

        def __getitem__(self, index: Any) -> Any: ...

    # ---- shape ------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Any:
        """A new shape (`x.reshape(2, -1)` or `x.reshape((2, -1))`), the same elements."""
        return D.apply(SH.Reshape, self, shape=sizes(shape))

    def view(self, *shape: Any) -> Any:
        """`reshape` (sharing memory where possible); `view(dtype)` reinterprets the bytes."""
        if (
            len(shape) == 1
            and not hasattr(shape[0], "__index__")
            and not isinstance(shape[0], tuple | list)
        ):
            d = dt.as_dtype(shape[0])
            return D.make(self.array.view(d), None, self._version)
        return self.reshape(*shape)

    def view_as(self, other: Any) -> Any:
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        """Merge dimensions start_dim..end_dim (inclusive) into one."""
        if self.ndim == 0:
            return self.reshape(1)
        s, e = self._dim(start_dim), self._dim(end_dim)
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shape = self.shape
        size = 1
        for n in shape[s : e + 1]:
            size *= n
        return self.reshape(*shape[:s], size, *shape[e + 1 :])

    def unflatten(self, dim: int, sizes_: Any) -> Any:
        d = self._dim(dim)
        shape = self.shape
        return self.reshape(*shape[:d], *sizes(tuple(sizes_)), *shape[d + 1 :])

    def squeeze(self, dim: Any = None) -> Any:
        """Drop dimensions of size 1 (all of them, or those in `dim` that have size 1)."""
        shape = self.shape
        if dim is None:
            drop = {i for i, n in enumerate(shape) if n == 1}
        else:
            ds = dim if isinstance(dim, tuple | list) else (dim,)
            drop = {self._dim(d) for d in ds if self.ndim and shape[self._dim(d)] == 1}
        return self.reshape(*(n for i, n in enumerate(shape) if i not in drop))

    def unsqueeze(self, dim: int) -> Any:
        """Insert a dimension of size 1 at `dim` (negative counts from the new end)."""
        d = SH.normalize_dim(dim, self.ndim, extra=1)
        shape = self.shape
        return self.reshape(*shape[:d], 1, *shape[d:])

    def permute(self, *dims: Any) -> Any:
        """Reorder all dimensions: `x.permute(2, 0, 1)`."""
        return D.apply(SH.Permute, self, axes=sizes(dims))

    def transpose(self, dim0: int, dim1: int) -> Any:
        """Swap two dimensions (PyTorch's transpose; `permute` reorders all of them)."""
        n = self.ndim
        a, b = SH.normalize_dim(dim0, n), SH.normalize_dim(dim1, n)
        perm = list(range(n))
        perm[a], perm[b] = perm[b], perm[a]
        return self.permute(*perm) if n else self

    swapaxes = swapdims = transpose

    def t(self) -> Any:
        """The transpose of a matrix (0-D and 1-D tensors are returned as they are)."""
        if self.ndim > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D"
            )
        return self.transpose(0, 1) if self.ndim == 2 else self

    def movedim(self, source: Any, destination: Any) -> Any:
        src = [self._dim(s) for s in (source if isinstance(source, tuple | list) else (source,))]
        dst = [
            self._dim(d)
            for d in (destination if isinstance(destination, tuple | list) else (destination,))
        ]
        rest = [i for i in range(self.ndim) if i not in src]
        order = [None] * self.ndim
        for s, d in zip(src, dst):
            order[d] = s
        it = iter(rest)
        return self.permute(*[o if o is not None else next(it) for o in order])

    moveaxis = movedim

    def expand(self, *shape: Any) -> Any:
        """Broadcast to a larger shape without copying; -1 keeps a dimension's size."""
        shape = sizes(shape)
        lead = len(shape) - self.ndim
        if lead < 0:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to "
                f"the number of dimensions in the tensor ({self.ndim})"
            )
        full = tuple(
            self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape)
        )
        try:
            return D.apply(SH.Expand, self, shape=full)
        except ValueError:
            raise RuntimeError(
                f"expand: the expanded size {list(full)} must match the existing size "
                f"{list(self.shape)} "
                "at non-singleton dimensions"
            ) from None

    def expand_as(self, other: Any) -> Any:
        return self.expand(other.shape)

    def broadcast_to(self, shape: Any) -> Any:
        return self.expand(*shape)

    def repeat(self, *reps: Any) -> Any:
        """Tile the tensor reps[i] times along each dimension (PyTorch's repeat = np.tile)."""
        reps = sizes(reps)
        if len(reps) < self.ndim:
            raise RuntimeError(
                "Number of dimensions of repeat dims can not be smaller than number of "
                "dimensions of tensor"
            )
        x = self.reshape(*((1,) * (len(reps) - self.ndim) + self.shape))
        return D.apply(SH.Tile, x, reps=reps)

    def tile(self, *reps: Any) -> Any:
        reps = sizes(reps)
        return self.repeat(*((1,) * (self.ndim - len(reps)) + reps))

    def flip(self, *dims: Any) -> Any:
        return D.apply(SH.Flip, self, axes=tuple(self._dim(d) for d in sizes(dims)))

    def narrow(self, dim: int, start: int, length: int) -> Any:
        d = self._dim(dim)
        start = start + self.shape[d] if start < 0 else start
        if start < 0 or length < 0 or start + length > self.shape[d]:
            raise IndexError(
                f"narrow(): start ({start}) + length ({length}) exceeds dimension size "
                f"({self.shape[d]})."
            )
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def select(self, dim: int, index: int) -> Any:
        d = self._dim(dim)
        if not -self.shape[d] <= index < self.shape[d]:
            raise IndexError(
                f"select(): index {index} out of range for tensor of size {self.shape} at "
                f"dimension {d}"
            )
        return self[(slice(None),) * d + (index,)]

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple:
        """Pieces along `dim` of `split_size` (the last may be smaller), or of listed sizes."""
        d = self._dim(dim)
        n = self.shape[d]
        if isinstance(split_size_or_sections, int):
            step = split_size_or_sections
            if step <= 0:
                raise RuntimeError(
                    f"split expects split_size be non-negative, but got split_size={step}"
                )
            bounds = list(range(0, n, step)) + [n]
        else:
            parts = list(split_size_or_sections)
            if sum(parts) != n:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                    f"tensor's size at dimension {d}), but got split_sizes={parts}"
                )
            bounds = [0]
            for p in parts:
                bounds.append(bounds[-1] + p)
        if n == 0:
            bounds = [0, 0]
        return tuple(self[(slice(None),) * d + (slice(a, b),)] for a, b in zip(bounds, bounds[1:]))

    def tensor_split(self, sections: int, dim: int = 0) -> tuple:
        n = self.shape[self._dim(dim)]
        q, r = divmod(n, sections)
        return self.split([q + 1] * r + [q] * (sections - r), dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """At most `chunks` pieces of ceil(n / chunks) along `dim` (PyTorch's rule)."""
        if chunks <= 0:
            raise RuntimeError("chunk expects `chunks` to be greater than 0")
        n = self.shape[self._dim(dim)]
        return self.split(max(-(-n // chunks), 1), dim)

    def unbind(self, dim: int = 0) -> tuple:
        d = self._dim(dim)
        return tuple(self.select(d, i) for i in range(self.shape[d]))

    # ---- copies, dtypes and devices ---------------------------------------------------------
    def new_tensor(
        self, data: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
    ) -> Any:
        """A copy of `data` with this tensor's dtype and device (unless given)."""
        src = data.numpy(force=True) if hasattr(data, "array") else D.infer(data)
        out = D.const(self, src, dt.as_dtype(dtype) if dtype is not None else self.dtype)
        out = out if device is None else out.to(device)
        return out.requires_grad_() if requires_grad else out

    def new_zeros(
        self,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: builtins.bool = False,
    ) -> Any:
        return self.new_full(
            sizes(size), 0, dtype=dtype, device=device, requires_grad=requires_grad
        )

    def new_ones(
        self,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: builtins.bool = False,
    ) -> Any:
        return self.new_full(
            sizes(size), 1, dtype=dtype, device=device, requires_grad=requires_grad
        )

    def new_full(
        self,
        size: Any,
        fill_value: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: builtins.bool = False,
    ) -> Any:
        import numpy as np

        return self.new_tensor(
            np.full(tuple(size), fill_value),
            dtype=dtype,
            device=device,
            requires_grad=requires_grad,
        )

    def new_empty(
        self,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: builtins.bool = False,
    ) -> Any:
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def clone(self, *, memory_format: Any = None) -> Any:
        """A copy with its own memory; differentiable (the gradient passes through)."""
        return D.apply(SH.Clone, self)

    def contiguous(self, memory_format: Any = None) -> Any:
        return self if self.is_contiguous() else self.clone()

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """A tensor of another dtype and/or device: to(dtype), to(device), to(device, dtype),
        to(other_tensor); self when nothing changes (unless copy=True). Differentiable."""
        dtype, dev_arg, copy = (
            kwargs.pop("dtype", None),
            kwargs.pop("device", None),
            kwargs.pop("copy", False),
        )
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if hasattr(a, "array") and hasattr(a, "dtype"):
                dtype, dev_arg = a.dtype, a.device
            elif isinstance(a, str | int | device):
                try:
                    dev_arg = as_device(a)
                except RuntimeError:
                    dtype = dt.as_dtype(a)
            elif a is not None and not isinstance(a, bool):
                dtype = dt.as_dtype(a)
        out = self
        if dev_arg is not None:
            dev = as_device(dev_arg)
            if dev.type == "cuda" and dev.index is None:
                dev = device("cuda", 0)
            if dev != self.device:
                out = D.apply(ops.ToDevice, out, backend=backend_for(dev), device=dev)
        if dtype is not None and dt.as_dtype(dtype) != out.dtype:
            out = self._cast(out, dt.as_dtype(dtype))
        if copy and out is self:
            out = self.clone()
        return out

    @staticmethod
    def _cast(x: Any, d: Any) -> Any:
        if d.kind in "fc" and x.dtype.kind in "fc":
            return D.apply(ops.Cast, x, dtype=backend_of(x.array).native_dtype(d))
        xp = backend_of(x.array)  # to or from an integer dtype: a constant
        return D.make(xp.astype(x.array, xp.native_dtype(d)), None)

    def type(self, dtype: Any = None) -> Any:
        """With no argument, the type name (e.g. 'torch.FloatTensor'); else `to(dtype)`."""
        if dtype is None:
            names = {
                "float32": "Float",
                "float64": "Double",
                "float16": "Half",
                "int64": "Long",
                "int32": "Int",
                "int16": "Short",
                "int8": "Char",
                "uint8": "Byte",
                "bool": "Bool",
            }
            return f"torch.{names.get(self.dtype.name, self.dtype.name)}Tensor"
        return self.to(dtype)

    def type_as(self, other: Any) -> Any:
        return self.to(other.dtype)

    def float(self) -> Any:
        return self.to(dt.float32)

    def double(self) -> Any:
        return self.to(dt.float64)

    def half(self) -> Any:
        return self.to(dt.float16)

    def long(self) -> Any:
        return self.to(dt.int64)

    def int(self) -> Any:
        return self.to(dt.int32)

    def short(self) -> Any:
        return self.to(dt.int16)

    def byte(self) -> Any:
        return self.to(dt.uint8)

    def char(self) -> Any:
        return self.to(dt.int8)

    def bool(self) -> Any:
        return self.to(dt.bool_)

    def cpu(self) -> Any:
        return self.to("cpu")

    def cuda(self, device: Any = None, non_blocking: builtins.bool = False) -> Any:
        return self.to(
            as_device(device)
            if isinstance(device, int | str)
            else "cuda"
            if device is None
            else device
        )

    def astype(self, dtype: Any) -> Any:
        """NumPy's name for `to(dtype)`."""
        return self.to(dt.as_dtype(dtype))
