"""Max-unpooling layers: `MaxUnpool1d`, `MaxUnpool2d` (PyTorch's arguments and repr).

Max pooling keeps the largest value of each window and, with `return_indices=True`, where it
was. Unpooling puts each kept value back at that place in a map of the pooled input's size and
fills the rest with zeros: a partial inverse (the non-maxima are lost), used by decoders that
mirror an encoder's pooling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..tensor import Tensor
from . import functional_conv as FC
from . import functional_convt as FT
from .module import Module


class _MaxUnpoolNd(Module):
    nd = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = FC.ntuple(kernel_size, self.nd, "kernel_size", name)
        self.stride = FC.ntuple(kernel_size if stride is None else stride, self.nd, "stride", name)
        self.padding = FC.ntuple(padding, self.nd, "padding", name)

    def forward(
        self, input: Tensor, indices: Tensor, output_size: Sequence[int] | None = None
    ) -> Tensor:
        fn = FT.max_unpool1d if self.nd == 1 else FT.max_unpool2d
        return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Values (N, C, L) from MaxPool1d(return_indices=True) put back at their indices in
    zeros: forward(input, indices, output_size=None)."""

    nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Values (N, C, H, W) from MaxPool2d(return_indices=True) put back at their indices in
    zeros: forward(input, indices, output_size=None); output_size resolves odd input sizes."""

    nd = 2
