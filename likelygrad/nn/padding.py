"""Constant padding modules: `ZeroPad1d/2d/3d` and `ConstantPad1d/2d/3d`, each `F.pad` with
mode='constant' over the last 1, 2 or 3 dimensions. An int pads every side by that amount; a
tuple lists (left, right[, top, bottom[, front, back]]) as F.pad does."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .functional_pad import pad
from .module import Module


class _ConstantPadNd(Module):
    dims = 0

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__()
        n = 2 * self.dims
        self.padding = (padding,) * n if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != n:
            raise ValueError(
                f"{type(self).__name__}: padding must be an int or {n} ints, got {padding!r}"
            )
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with `value`."""

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with `value`."""

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with `value`."""

    dims = 3


class _ZeroPad:
    """Zero padding: printed as torch prints it, `ZeroPad2d((1, 1, 1, 1))`."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)  # type: ignore[call-arg]

    def extra_repr(self) -> str:
        return f"{self.padding}"  # type: ignore[attr-defined]


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    """Pad the last dimension with zeros."""


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    """Pad the last two dimensions with zeros."""


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    """Pad the last three dimensions with zeros."""
