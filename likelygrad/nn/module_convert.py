"""Moving a Module between devices and casting its dtype (torch's to/cpu/cuda/float/...)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..autograd import no_grad
from ..backend import as_device, device
from ..dtypes import as_dtype, float16, float32, float64
from ..tensor import Tensor


class ConversionMixin:
    """to(), cpu(), cuda(), float(), double(), half() and type() for Module; each works in
    place on the parameters' and buffers' arrays and returns the module."""

    __slots__ = ()

    if TYPE_CHECKING:  # Module's methods, for the type checker

        def parameters(self, recurse: bool = True) -> Iterator[Any]: ...

        def buffers(self, recurse: bool = True) -> Iterator[Tensor]: ...

    def _apply(self, fn: Callable[[Tensor], Tensor]) -> Any:
        """Replace every parameter's (and gradient's, and buffer's) array by fn(tensor)'s,
        keeping the objects, so optimizers built before and after see the same parameters."""
        with no_grad():
            for p in self.parameters():
                p.array = fn(p).array
                if p.grad is not None:
                    p._grad = fn(p.grad).detach()
            for b in self.buffers():
                b.array = fn(b).array
        return self

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """Move parameters and buffers to a device and/or cast the floating ones to a floating
        dtype, in place: to(device), to(dtype), to(device, dtype), to(tensor); returns self."""
        dev, dtype = _parse_to(args, dict(kwargs))
        if dtype is not None and dtype.kind not in "fc":
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                f"dtype=lg.{dtype}"
            )

        def move(t: Tensor) -> Tensor:
            cast = dtype if dtype is not None and t.dtype.kind in "fc" else None
            return t.to(device=dev, dtype=cast)

        return self._apply(move)

    def cpu(self) -> Any:
        return self.to("cpu")

    def share_memory(self) -> Any:
        """Put parameters, their gradients and buffers in shared memory (Tensor.share_memory_):
        processes the module is passed to train it in place (Hogwild)."""
        return self._apply(lambda t: t.share_memory_())

    def cuda(self, device: Any = None) -> Any:
        return self.to("cuda" if device is None else as_device(device))

    def float(self) -> Any:
        """Cast floating-point parameters and buffers to float32."""
        return self.to(float32)

    def double(self) -> Any:
        """Cast floating-point parameters and buffers to float64."""
        return self.to(float64)

    def half(self) -> Any:
        """Cast floating-point parameters and buffers to float16."""
        return self.to(float16)

    def type(self, dst_type: Any) -> Any:
        """Cast every parameter and buffer (integers too, as torch) to `dst_type`."""
        d = as_dtype(dst_type)
        return self._apply(lambda t: t.to(d))


def _parse_to(args: tuple, kwargs: dict) -> tuple[Any, Any]:
    """(device or None, dtype or None) from Module.to's arguments, as torch parses them."""
    dev, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments: {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dev, dtype = a.device, a.dtype
        elif isinstance(a, str | int | device) and not isinstance(a, bool):
            try:
                dev = as_device(a)
            except RuntimeError:
                dtype = a
        elif a is not None and not isinstance(a, bool):
            dtype = a
    return dev, (as_dtype(dtype) if dtype is not None else None)
