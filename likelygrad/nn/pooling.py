"""Pooling layers: `MaxPool1d/2d`, `AvgPool1d/2d`, `AdaptiveAvgPool1d/2d` (PyTorch's arguments).

Pooling summarizes each small window of a feature map by one number (its largest or its mean
value): the map shrinks, and what a unit detects may move a little without changing the result.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional_conv as FC
from .module import Module


class _MaxPoolNd(Module):
    nd = 2

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x: Tensor) -> Any:
        fn = FC.max_pool1d if self.nd == 1 else FC.max_pool2d
        return fn(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """The largest value in each window of (N, C, L); stride defaults to kernel_size."""

    nd = 1


class MaxPool2d(_MaxPoolNd):
    """The largest value in each window of (N, C, H, W); stride defaults to kernel_size."""

    nd = 2


class AvgPool1d(Module):
    """The mean of each window of (N, C, L); stride defaults to kernel_size."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad
        if type(self) is AvgPool1d:  # torch keeps AvgPool1d's sizes as 1-tuples
            sizes = {"kernel_size": kernel_size, "stride": self.stride, "padding": padding}
            one = [FC.ntuple(v, 1, name, "AvgPool1d") for name, v in sizes.items()]
            self.kernel_size, self.stride, self.padding = one

    def forward(self, x: Tensor) -> Tensor:
        return FC.avg_pool1d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(AvgPool1d):
    """The mean of each window of (N, C, H, W); padding counts as zeros unless
    count_include_pad=False; `divisor_override` replaces the window size."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return FC.avg_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AdaptiveAvgPool1d(Module):
    """Average pooling of (N, C, L) to `output_size` near-equal windows."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return FC.adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(AdaptiveAvgPool1d):
    """Average pooling of (N, C, H, W) to `output_size`; (1, 1) is global average pooling."""

    def forward(self, x: Tensor) -> Tensor:
        return FC.adaptive_avg_pool2d(x, self.output_size)
