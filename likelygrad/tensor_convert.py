"""Tensor methods that copy a tensor or change its dtype or device: `clone`, `to`, `float`,
`cuda`, `new_zeros`, ... The dtype conversions between floating dtypes are differentiable."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from . import dispatch as D
from . import dtypes as dt
from . import ops
from . import shape_ops as SH
from .backend import as_device, backend_for, backend_of, device
from .tensor_args import sizes


class ConvertMethods:
    """Copies and dtype/device conversions (mixed into Tensor through ShapeMethods)."""

    __slots__ = ()
    array: Any

    if TYPE_CHECKING:  # the other mixins' and Tensor's attributes, for the type checker

        def __getattr__(self, name: str) -> Any: ...

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
        """self if its memory is row-major already, else a row-major copy (differentiable)."""
        return self if self.is_contiguous() else D.apply(SH.Contiguous, self)

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
