"""The functional forms of convolution and pooling, with PyTorch's arguments, defaults and
checks; with those of normalization (functional_norm.py), embedding (sparse.py) and channel
dropout (dropout2d.py), which `nn.functional` re-exports from here."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dispatch as D
from ..autograd import no_grad
from ..conv_ops import SPATIAL, Conv, ShapeError
from ..pooling_ops import AvgPool, MaxPool, max_pool_indices
from ..tensor import Tensor
from .dropout2d import dropout1d, dropout2d
from .functional_norm import batch_norm, group_norm, layer_norm
from .sparse import embedding

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "conv1d",
    "conv2d",
    "conv3d",
    "dropout1d",
    "dropout2d",
    "embedding",
    "group_norm",
    "layer_norm",
    "max_pool1d",
    "max_pool2d",
]


def ntuple(value: Any, nd: int, name: str, fn: str) -> tuple[int, ...]:
    """An int, or a list/tuple of 1 or `nd` ints, as `nd` ints (PyTorch's expansion)."""
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    if len(items) == 1:
        items *= nd
    if len(items) != nd or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items
    ):
        raise ShapeError(
            f"{fn}: expected {name} to be a single integer value or a list of {nd} "
            f"values to match the {nd}-d dimensions, but got {name}={value!r}"
        )
    return tuple(int(v) for v in items)


def _batched(x: Tensor, nd: int, fn: str) -> bool:
    """True for an unbatched input (C, *S), which is given a batch of one; else check N, C, *S."""
    if x.ndim not in (nd + 1, nd + 2):
        axes = SPATIAL[nd]
        raise ShapeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, but got input "
            f"of size: {list(x.shape)} (the layout is (N, C, {axes}); a batch of flat images "
            "needs e.g. x.reshape(-1, 1, 28, 28))"
        )
    return x.ndim == nd + 1


# ---- convolution ------------------------------------------------------------------------------


def _conv(
    x: Tensor,
    w: Tensor,
    b: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    nd: int,
) -> Tensor:
    fn = f"conv{nd}d"
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
    stride, dilation = ntuple(stride, nd, "stride", fn), ntuple(dilation, nd, "dilation", fn)
    if any(s < 1 for s in stride):
        raise ShapeError(f"{fn}: non-positive stride is not supported, got {stride}")
    if any(d < 1 for d in dilation):
        raise ShapeError(f"{fn}: dilation should be greater than zero, got {dilation}")
    if not isinstance(groups, int) or groups < 1:
        raise ShapeError(f"{fn}: non-positive groups is not supported, got {groups}")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(
                f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
            )
        if padding == "same" and any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        total = (
            [0] * nd if padding == "valid" else [d * (k - 1) for d, k in zip(dilation, w.shape[2:])]
        )
        pads = tuple((t // 2, t - t // 2) for t in total)  # an odd total: the extra goes after
    else:
        pads = tuple((p, p) for p in ntuple(padding, nd, "padding", fn))
        if any(p < 0 for p, _ in pads):
            raise ShapeError(f"{fn}: negative padding is not supported, got {padding}")
    unbatched = _batched(x, nd, fn)
    if unbatched:
        x = x.unsqueeze(0)
    args = (x, w) if b is None else (x, w, b)
    y = D.apply(Conv, *args, stride=stride, padding=pads, dilation=dilation, groups=groups)
    return y.squeeze(0) if unbatched else y


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-d cross-correlation of (N, C, L) with filters (O, C/groups, K)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-d cross-correlation of (N, C, H, W) with filters (O, C/groups, kH, kW); padding an
    int, a pair, 'valid' (none) or 'same' (output as large as the input, stride 1)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """3-d cross-correlation of (N, C, D, H, W) with filters (O, C/groups, kD, kH, kW)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


# ---- pooling ----------------------------------------------------------------------------------


def _pool_args(
    x: Tensor, nd: int, fn: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any = 1
) -> tuple[Tensor, bool, dict[str, Any]]:
    unbatched = _batched(x, nd, fn)
    kernel = ntuple(kernel_size, nd, "kernel_size", fn)
    stride = kernel if stride is None or stride == [] or stride == () else stride
    opts = {
        "kernel": kernel,
        "stride": ntuple(stride, nd, "stride", fn),
        "padding": ntuple(padding, nd, "padding", fn),
    }
    if fn.startswith("max"):
        opts["dilation"] = ntuple(dilation, nd, "dilation", fn)
    return (x.unsqueeze(0) if unbatched else x), unbatched, opts


def _max_pool(
    x: Tensor,
    nd: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    fn = f"max_pool{nd}d"
    xb, unbatched, opts = _pool_args(x, nd, fn, kernel_size, stride, padding, dilation)
    y = D.apply(MaxPool, xb, ceil_mode=bool(ceil_mode), **opts)
    if not return_indices:
        return y.squeeze(0) if unbatched else y
    with no_grad():  # the flat index of each maximum within its (H, W) plane, as torch's
        idx = D.make(max_pool_indices(xb.array, ceil_mode=bool(ceil_mode), **opts), None)
    return (y.squeeze(0), idx.squeeze(0)) if unbatched else (y, idx)


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The largest value in each window of (N, C, L); stride defaults to kernel_size."""
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The largest value in each window of (N, C, H, W); stride defaults to kernel_size. The
    gradient goes to the first largest value of a window (PyTorch's choice among ties)."""
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(
    x: Tensor,
    nd: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Any,
) -> Tensor:
    fn = f"avg_pool{nd}d"
    if x.dtype.kind != "f":
        raise RuntimeError(f"{fn}: needs a floating-point input, got {x.dtype}")
    if divisor_override is not None and (
        not isinstance(divisor_override, int) or divisor_override == 0
    ):
        raise RuntimeError(f"{fn}: divisor must be a non-zero integer, got {divisor_override!r}")
    xb, unbatched, opts = _pool_args(x, nd, fn, kernel_size, stride, padding)
    y = D.apply(
        AvgPool,
        xb,
        ceil_mode=bool(ceil_mode),
        count_include_pad=bool(count_include_pad),
        divisor_override=divisor_override,
        **opts,
    )
    return y.squeeze(0) if unbatched else y


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window of (N, C, L); stride defaults to kernel_size."""
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window of (N, C, H, W); padding counts as zeros unless
    count_include_pad=False; `divisor_override` replaces the window size."""
    return _avg_pool(
        input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def _adaptive_avg_pool(x: Tensor, output_size: Any, nd: int) -> Tensor:
    fn = f"adaptive_avg_pool{nd}d"
    unbatched = _batched(x, nd, fn)
    xb = x.unsqueeze(0) if unbatched else x
    sizes = list(output_size) if isinstance(output_size, (tuple, list)) else [output_size] * nd
    size = tuple(xb.shape[2 + a] if o is None else o for a, o in enumerate(sizes))
    ntuple(size, nd, "output_size", fn)
    if any(o < 0 for o in size):
        raise ShapeError(f"{fn}: output_size must be non-negative, got {output_size}")
    ins = xb.shape[2:]
    if all(o == 1 for o in size):
        y = xb.mean(dim=tuple(range(2, 2 + nd)), keepdim=True)
    elif all(o and s % o == 0 for s, o in zip(ins, size)):  # equal windows: plain avg pooling
        k = tuple(s // o for s, o in zip(ins, size))
        y = D.apply(AvgPool, xb, kernel=k, stride=k, padding=(0,) * nd)
    else:  # window i of an axis is [⌊i·S/O⌋, ⌈(i+1)·S/O⌉): averaging matrices, one per axis
        y = xb
        for a, (s, o) in enumerate(zip(ins, size)):
            m = np.zeros((s, o), dtype=xb.dtype)
            for i in range(o):
                lo, hi = (i * s) // o, -((-(i + 1) * s) // o)
                m[lo:hi, i] = 1.0 / (hi - lo)
            y = (y.movedim(2 + a, -1) @ D.const(y, m)).movedim(-1, 2 + a)
    return y.squeeze(0) if unbatched else y


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of (N, C, L) into `output_size` windows of near-equal length."""
    return _adaptive_avg_pool(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of (N, C, H, W) to `output_size` (an int, a pair, None keeps a side);
    (1, 1) is global average pooling."""
    return _adaptive_avg_pool(input, output_size, 2)
