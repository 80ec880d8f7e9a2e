"""The functional forms of transposed convolution and max-unpooling, with PyTorch's arguments,
defaults and checks (`nn.functional` re-exports them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dispatch as D
from ..conv_ops import SPATIAL, ShapeError
from ..conv_transpose_ops import ConvTranspose
from ..tensor import Tensor
from ..unpool_ops import MaxUnpool
from .functional_conv import _batched, ntuple

__all__ = [
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "max_unpool1d",
    "max_unpool2d",
]


def _check_floats(fn: str, x: Tensor, w: Tensor, b: Tensor | None) -> None:
    for t in (x, w, b):
        if t is not None and t.dtype.kind != "f":
            raise RuntimeError(
                f"{fn}: needs floating-point tensors, got {t.dtype}; convert with .float()"
            )
    if x.dtype != w.dtype or (b is not None and b.dtype != w.dtype):
        raise RuntimeError(
            f"{fn}: input is {x.dtype} but weight is {w.dtype}"
            f"{'' if b is None else f' and bias {b.dtype}'}: they must be the "
            "same; convert one, e.g. x.to(weight.dtype) or model.to(...)"
        )


def _conv_transpose(
    x: Tensor,
    w: Tensor,
    b: Tensor | None,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
    nd: int,
) -> Tensor:
    fn = f"conv_transpose{nd}d"
    _check_floats(fn, x, w, b)
    if isinstance(padding, str):  # torch: "argument 'padding' must be tuple of ints, not str"
        raise TypeError(
            f"{fn}: padding must be an int or a tuple of ints, not {padding!r}: transposed "
            "convolutions take no 'same' or 'valid'"
        )
    stride, dilation = ntuple(stride, nd, "stride", fn), ntuple(dilation, nd, "dilation", fn)
    padding = ntuple(padding, nd, "padding", fn)
    output_padding = ntuple(output_padding, nd, "output_padding", fn)
    for what, v, least, word in (
        ("stride", stride, 1, "non-positive stride"),
        ("dilation", dilation, 1, "non-positive dilation"),
        ("padding", padding, 0, "negative padding"),
        ("output_padding", output_padding, 0, "negative output_padding"),
    ):
        if any(a < least for a in v):
            raise ShapeError(f"{fn}: {word} is not supported, got {what}={v}")
    if not isinstance(groups, int) or groups < 1:
        raise ShapeError(f"{fn}: non-positive groups is not supported, got {groups}")
    unbatched = _batched(x, nd, fn)
    if unbatched:
        x = x.unsqueeze(0)
    if b is not None and w.ndim > 1 and tuple(b.shape) != (w.shape[1] * groups,):
        raise ShapeError(
            f"{fn}: weight {tuple(w.shape)} with groups={groups} makes {w.shape[1] * groups} "
            f"output channels, so bias must have shape ({w.shape[1] * groups},), got "
            f"{tuple(b.shape)}"
        )
    args = (x, w) if b is None else (x, w, b)
    y = D.apply(ConvTranspose, *args, stride=stride, padding=padding,
                output_padding=output_padding, dilation=dilation, groups=groups)  # fmt: skip
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """1-d transposed convolution of (N, C_in, L) with weight (C_in, C_out/groups, K): the
    gradient of conv1d with respect to its input. Note torch's order: groups before dilation."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1)  # fmt: skip


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """2-d transposed convolution of (N, C_in, H, W) with weight (C_in, C_out/groups, kH, kW):
    output side (H - 1)·stride - 2·padding + dilation·(kH - 1) + 1 + output_padding."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2)  # fmt: skip


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """3-d transposed convolution of (N, C_in, D, H, W) with weight (C_in, C_out/groups, *K)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 3)  # fmt: skip


# ---- max-unpooling ----------------------------------------------------------------------------


def unpool_output_size(
    x: Tensor,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    output_size: Sequence[int] | None,
) -> tuple[int, ...]:
    """The output's spatial size as torch chooses it: by default (S - 1)·stride + kernel -
    2·padding (what max pooling with these arguments shrank from, rounding down); a given
    `output_size` (its last nd entries, or all of them) must lie strictly within a stride of
    that."""
    nd = len(kernel)
    default = [(s - 1) * st + k - 2 * p
               for s, st, k, p in zip(x.shape[-nd:], stride, kernel, padding)]  # fmt: skip
    if output_size is None:
        size = default
    else:
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        size = list(output_size)
        if len(size) != nd:
            raise ValueError(
                f"output_size should be a sequence containing {nd} or {nd + 2} elements, but "
                f"it has a length of '{len(size)}'"
            )
        for d in range(nd):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < size[d] < hi:
                between = f"dim {d} must be between {lo} and {hi}"
                raise ValueError(f'invalid output_size "{output_size}" ({between})')
    for d, s in enumerate(size):
        if s < 0:
            raise ValueError(
                "max_unpooling: output_size must contain non-negative spatial dimensions, "
                f"but got output_size[{d}]={s}"
            )
    return tuple(int(s) for s in size)


def _max_unpool(
    x: Tensor,
    indices: Tensor,
    nd: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    output_size: Any,
) -> Tensor:
    fn = f"max_unpool{nd}d"
    kernel = ntuple(kernel_size, nd, "kernel_size", fn)
    stride = kernel if stride is None else ntuple(stride, nd, "stride", fn)
    padding = ntuple(padding, nd, "padding", fn)
    unbatched = _batched(x, nd, fn)
    size = unpool_output_size(x, kernel, stride, padding, output_size)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{fn}: not implemented for {x.dtype}; needs a float input")
    if str(indices.dtype) != "int64":
        raise RuntimeError(
            f"{fn}: elements in indices should be type int64 but got: {indices.dtype} (pass "
            "the indices max pooling returns with return_indices=True)"
        )
    if tuple(indices.shape) != tuple(x.shape):
        raise ShapeError(
            f"{fn}: expected shape of indices to be same as that of the input tensor "
            f"{tuple(x.shape)} but got indices tensor with shape: {tuple(indices.shape)}"
        )
    if unbatched:
        x, indices = x.unsqueeze(0), indices.unsqueeze(0)
    plane = 1
    for s in size:
        plane *= s
    if indices.numel():
        bad = (indices < 0) | (indices >= plane)
        if bool(bad.any()):
            first = int(indices.flatten()[bad.flatten()][0].item())
            raise ShapeError(
                f"{fn}: found an invalid max index: {first} (output volumes are of size "
                f"{'x'.join(map(str, size))}; the indices are flat positions within each "
                f"({SPATIAL[nd]}) plane of the output: give output_size= the pooled input's "
                "size if the default does not match it)"
            )
    y = D.apply(MaxUnpool, x, indices=indices.array, size=size)
    return y.squeeze(0) if unbatched else y


def max_unpool1d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Max pooling's values (N, C, L) put back at their `indices` (from max_pool1d's
    return_indices) in zeros (N, C, L_out); stride defaults to kernel_size."""
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Max pooling's values (N, C, H, W) put back at their `indices` (from max_pool2d's
    return_indices) in zeros (N, C, H_out, W_out); the non-maxima are lost, so zeros."""
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)
