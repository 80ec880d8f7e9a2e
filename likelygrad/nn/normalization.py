"""Normalization layers: `BatchNorm1d/2d/3d`, `LayerNorm`, `GroupNorm` (PyTorch's arguments,
defaults, buffers and state_dict keys).

Each standardizes its input to mean 0 and variance 1 over some axes and then applies a learned
scale and shift, y = γ x̂ + β (`affine`). BatchNorm normalizes each channel over the batch while
training and keeps running averages of the statistics (the buffers `running_mean`,
`running_var`, `num_batches_tracked`) to use in eval mode; LayerNorm and GroupNorm normalize
each example on its own, the same way in both modes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..creation import tensor
from ..dtypes import as_dtype, get_default_dtype
from ..tensor import Tensor
from . import functional_norm as FN
from .module import Module, Parameter


def _dtype(dtype: Any) -> np.dtype:
    return as_dtype(dtype) if dtype is not None else get_default_dtype()


class _BatchNorm(Module):
    dims: tuple[int, ...] = (2, 3)  # the input dimensions this layer takes
    running_mean: Any
    running_var: Any
    num_batches_tracked: Any

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        d = _dtype(dtype)
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=d))
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype=d))
        if track_running_stats:
            self.register_buffer("running_mean", tensor(np.zeros(num_features, dtype=d)))
            self.register_buffer("running_var", tensor(np.ones(num_features, dtype=d)))
            self.register_buffer("num_batches_tracked", tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        if device is not None:
            self.to(device)

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.dims:
            want = " or ".join(f"{d}D" for d in self.dims)
            raise ValueError(f"expected {want} input (got {x.ndim}D input)")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative average: 1/t of the way at batch t
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        return FN.batch_norm(
            x,
            self.running_mean if keep else None,
            self.running_var if keep else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L), per channel C."""

    dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W), per channel C."""

    dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalization of (N, C, D, H, W), per channel C."""

    dims = (5,)


class LayerNorm(Module):
    """Normalize each example over its last dimensions (`normalized_shape`), then scale and
    shift elementwise."""

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        d = _dtype(dtype)
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=d))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=d))
        if device is not None:
            self.to(device)

    def forward(self, x: Tensor) -> Tensor:
        return FN.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalize each example's channels in `num_groups` groups, then scale and shift per
    channel."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        d = _dtype(dtype)
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if affine:
            self.weight = Parameter(np.ones(num_channels, dtype=d))
            if bias:
                self.bias = Parameter(np.zeros(num_channels, dtype=d))
        if device is not None:
            self.to(device)

    def forward(self, x: Tensor) -> Tensor:
        return FN.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
