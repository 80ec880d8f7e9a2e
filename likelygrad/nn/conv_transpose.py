"""Transposed convolutional layers: `ConvTranspose1d`, `ConvTranspose2d`, `ConvTranspose3d`
(PyTorch's arguments, weight layout, initialization, state_dict keys and repr).

A transposed convolution runs a convolution backwards: where a convolution reads a window of
the image into one output unit, each input unit here writes its value, through the same kind of
filter, onto a window of the output, and overlapping windows add up. With stride 2 it doubles
the image's side, which is how a generator (a DCGAN's) grows an image from a small code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..dtypes import as_dtype, get_default_dtype
from ..random import numpy_rng
from ..tensor import Tensor
from . import functional_conv as FC
from . import functional_convt as FT
from . import init
from .module import Module, Parameter


class _ConvTransposeNd(Module):
    nd = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        generator: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
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
        if isinstance(padding, str):
            raise TypeError(
                f"{name}: padding must be an int or a tuple of ints, not {padding!r}: "
                "transposed convolutions take no 'same' or 'valid'"
            )
        nd = self.nd
        self.kernel_size = FC.ntuple(kernel_size, nd, "kernel_size", name)
        self.stride = FC.ntuple(stride, nd, "stride", name)
        self.padding = FC.ntuple(padding, nd, "padding", name)
        self.output_padding = FC.ntuple(output_padding, nd, "output_padding", name)
        self.dilation = FC.ntuple(dilation, nd, "dilation", name)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.padding_mode = padding_mode
        d = as_dtype(dtype) if dtype is not None else get_default_dtype()
        rng = numpy_rng(generator)
        # the weight of the convolution this one transposes: (in, out/groups, *kernel)
        shape = (in_channels, out_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=d))
        # torch's reset_parameters, shared with ConvNd: kaiming_uniform_(a=√5) is U(±1/√fan_in)
        # where fan_in is read off the weight as for any layer, weight.size(1)·∏K =
        # out_channels/groups·∏K here; the bias uses the same bound
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        self.bias: Parameter | None = None
        if bias:
            fan_in = out_channels // groups * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
            self.bias = Parameter(np.empty(out_channels, dtype=d))
            init.uniform_(self.bias, -bound, bound, generator=rng)
        if device is not None:
            self.to(device)

    def _output_padding(self, x: Tensor, output_size: Sequence[int] | None) -> tuple[int, ...]:
        """The output_padding that makes the output `output_size` (its spatial sizes, or with
        the batch and channel sizes in front), as torch chooses it; `self.output_padding`
        without one."""
        if output_size is None:
            return self.output_padding
        nd = self.nd
        lead = 2 if x.ndim == nd + 2 else 1
        if len(output_size) == lead + nd:
            output_size = output_size[lead:]
        size = list(output_size)
        if len(size) != nd:
            raise ValueError(
                f"ConvTranspose{nd}D: for {x.ndim}D input, output_size must have {nd} or "
                f"{lead + nd} elements (got {len(size)})"
            )
        # the smallest output: output_padding 0; a stride's worth of sizes fit the same input
        least = [
            (x.shape[a + lead] - 1) * self.stride[a] - 2 * self.padding[a]
            + self.dilation[a] * (self.kernel_size[a] - 1) + 1
            for a in range(nd)
        ]  # fmt: skip
        most = [lo + s - 1 for lo, s in zip(least, self.stride)]
        if any(not lo <= s <= hi for s, lo, hi in zip(size, least, most)):
            raise ValueError(
                f"requested an output size of {output_size}, but valid sizes range from "
                f"{least} to {most} (for an input of {tuple(x.shape[lead:])})"
            )
        return tuple(s - lo for s, lo in zip(size, least))

    def forward(self, x: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        fn = (FT.conv_transpose1d, FT.conv_transpose2d, FT.conv_transpose3d)[self.nd - 1]
        return fn(x, self.weight, self.bias, self.stride, self.padding,
                  self._output_padding(x, output_size), self.groups,
                  self.dilation)  # fmt: skip

    def extra_repr(self) -> str:
        nd = self.nd
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * nd:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution over (N, C_in, L): weight (in_channels,
    out_channels/groups, k); forward(x, output_size=None)."""

    nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution over (N, C_in, H, W): weight (in_channels,
    out_channels/groups, kH, kW), bias (out_channels,); stride 2 doubles the image's side."""

    nd = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution over (N, C_in, D, H, W): weight (in, out/groups, *kernel)."""

    nd = 3
