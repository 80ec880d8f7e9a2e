"""Convolutional layers: `Conv1d`, `Conv2d`, `Conv3d` (PyTorch's arguments, initialization and
state_dict keys).

A convolutional unit is a logistic-regression unit that looks at one small window of the image
at a time and slides over all of them with the same weights: y[o, p] = b[o] + Σ w[o] · window(p).
Sharing the weights across positions makes it detect a pattern wherever it appears.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..dtypes import as_dtype, get_default_dtype
from ..random import numpy_rng
from ..tensor import Tensor
from . import functional_conv as FC
from . import init
from .functional_pad import pad
from .module import Module, Parameter

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    nd = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(
                f"{name}: in_channels must be divisible by groups ({in_channels} by {groups})"
            )
        if out_channels % groups:
            raise ValueError(
                f"{name}: out_channels must be divisible by groups ({out_channels} by {groups})"
            )
        nd = self.nd
        self.kernel_size = FC.ntuple(kernel_size, nd, "kernel_size", name)
        self.stride = FC.ntuple(stride, nd, "stride", name)
        self.dilation = FC.ntuple(dilation, nd, "dilation", name)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = FC.ntuple(padding, nd, "padding", name)
        if padding_mode not in PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {list(PADDING_MODES)}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.padding_mode = padding_mode
        d = as_dtype(dtype) if dtype is not None else get_default_dtype()
        rng = numpy_rng(generator)
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=d))
        # PyTorch's default: kaiming_uniform_(a=√5), i.e. U(±1/√fan_in), fan_in = C/groups·∏K
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        self.bias: Parameter | None = None
        if bias:
            fan_in = in_channels // groups * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
            self.bias = Parameter(np.empty(out_channels, dtype=d))
            init.uniform_(self.bias, -bound, bound, generator=rng)
        if device is not None:
            self.to(device)

    def _conv_forward(self, x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        fn = (FC.conv1d, FC.conv2d, FC.conv3d)[self.nd - 1]
        if self.padding_mode != "zeros":  # pad the border as asked, then convolve unpadded
            x = pad(x, self._border(), mode=self.padding_mode)
            return fn(x, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(x, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def _border(self) -> list[int]:
        """F.pad's amounts (last axis first, before and after) for reflect/replicate/circular
        padding; 'same' puts the odd element after, as torch does."""
        widths: list[tuple[int, int]] = []
        for i in range(self.nd):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                widths.append((total // 2, total - total // 2))
            elif self.padding == "valid":
                widths.append((0, 0))
            else:
                widths.append((self.padding[i], self.padding[i]))
        return [w for lo_hi in reversed(widths) for w in lo_hi]

    def forward(self, x: Tensor) -> Tensor:
        return self._conv_forward(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self.nd:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    """1-d convolution over (N, C, L): weight (out_channels, in_channels/groups, k)."""

    nd = 1


class Conv2d(_ConvNd):
    """2-d convolution over (N, C, H, W): weight (out_channels, in_channels/groups, kH, kW),
    bias (out_channels,); padding an int, a pair, 'valid' or 'same'."""

    nd = 2


class Conv3d(_ConvNd):
    """3-d convolution over (N, C, D, H, W): weight (out, in/groups, kD, kH, kW)."""

    nd = 3
