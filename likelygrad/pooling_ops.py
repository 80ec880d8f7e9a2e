"""Pooling: the largest or the mean value of each window, per channel.

    max:  y[n, c, p] = max_k x_pad[n, c, p·stride + k·dilation],   padding holds -inf
    avg:  y[n, c, p] = Σ_k x_pad[n, c, p·stride + k] / divisor(p),  padding holds 0

VJPs: max pooling sends each window's gradient to the tap that won (of equal values the first in
scan order, of nans the last, as PyTorch's CPU kernel: `window_kernels.window_max`); average
pooling spreads it evenly, g / divisor on every tap, added up where windows overlap (a fold).

Channels are independent, so the kernels see whichever layout the input already has: a
channels-last array (N, *S, C) is pooled as it is, a channels-first one as (N·C, *S, 1).
"""

from __future__ import annotations

import math
from typing import Any

from .conv_ops import ShapeError, Window, channels_first, channels_last, pad
from .ops import Op


def pool_window(
    name: str,
    size: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    ceil_mode: bool,
) -> Window:
    """The window of a pooling op, checked as PyTorch checks it."""
    for what, v, least in (
        ("kernel_size", kernel, 1),
        ("stride", stride, 1),
        ("dilation", dilation, 1),
        ("padding", padding, 0),
    ):
        if any(not isinstance(a, int) or a < least for a in v):
            raise ValueError(
                f"{name}: {what} must be {'positive' if least else 'non-negative'} "
                f"integers, got {v}"
            )
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(2 * p > s for p, s in zip(padding, span)):
        raise ValueError(
            f"{name}: pad should be at most half of effective kernel size, but got "
            f"pad={padding}, kernel_size={kernel} and dilation={dilation}"
        )
    out = []
    for s, k, st, p in zip(size, span, stride, padding):
        room = s + 2 * p - k
        o = (-(-room // st) if ceil_mode else room // st) + 1
        if ceil_mode and (o - 1) * st >= s + p:  # the last window must start inside the input
            o -= 1
        out.append(o)
    if any(o < 1 for o in out):
        raise ShapeError(
            f"{name}: input of spatial size {size} is too small: calculated output "
            f"size {tuple(out)} (kernel {kernel}, padding {padding})"
        )
    # ceil_mode's last window may run past the right padding: pad enough for it to be read
    hi = tuple(
        max(p, (o - 1) * st + k - s - p) for o, st, k, s, p in zip(out, stride, span, size, padding)
    )
    return Window(kernel, stride, dilation, tuple(padding), hi, tuple(size), tuple(out))


def is_channels_last(x: Any) -> bool:
    """True when x (N, C, *S) is stored with its channels adjacent (strides show it, where the
    library has strides): it is then pooled without a copy."""
    st = getattr(x, "strides", None)
    return st is not None and x.ndim > 2 and x.shape[1] > 1 and st[1] < st[-1]


def to_windows(xp: Any, x: Any) -> tuple[Any, bool]:
    """x as the kernels take it, (B, *S, C'), and whether that is the channels-last view."""
    if is_channels_last(x):
        return channels_last(xp, x), True
    return xp.reshape(x, (x.shape[0] * x.shape[1], *x.shape[2:], 1)), False


def from_windows(xp: Any, y: Any, last: bool, n: int, c: int) -> Any:
    """The inverse of `to_windows`, for an output (B, *O, C')."""
    if last:
        return channels_first(xp, y)
    return xp.reshape(y, (n, c, *y.shape[1:-1]))


def first_taps(xp: Any, win: Window, like: Any) -> list[Any]:
    """Per spatial axis, each window's first tap inside the (unpadded) input, shaped to
    broadcast along that axis of the kernels' (B, *S, C') arrays."""
    nd, taps = len(win.kernel), []
    for a in range(nd):
        o = xp.arange(win.out[a], device=like.device)
        start = o * win.stride[a] - win.pad_lo[a]  # where tap 0 lands in the input
        d = win.dilation[a]
        k = xp.where(start < 0, (-start + d - 1) // d, xp.zeros_like(start))
        taps.append(xp.reshape(k, (win.out[a],) + (1,) * (nd - a)))
    return taps


class MaxPool(Op):
    """N-d max pooling of (N, C, *S); `kernel`, `stride`, `padding`, `dilation` per axis."""

    @staticmethod
    def forward(ctx, x, kernel=(), stride=(), padding=(), dilation=(), ceil_mode=False):
        xp = ctx.xp
        nd = len(kernel)
        win = pool_window(
            f"max_pool{nd}d", tuple(x.shape[2:]), kernel, stride, padding, dilation, ceil_mode
        )
        xw, last = to_windows(xp, x)
        padded = pad(xp, xw, win, -math.inf)
        first = first_taps(xp, win, x) if padded is not xw else None
        y, idx = xp.window_max(padded, *win.tap_args(), win.out, first)
        ctx.saved = (idx, win, last, x.shape, y.shape)
        return from_windows(xp, y, last, x.shape[0], x.shape[1])

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        idx, win, last, shape, wshape = ctx.saved
        gw = channels_last(xp, g) if last else xp.reshape(g, wshape)
        dx = xp.window_max_grad(gw, idx, *win.tap_args(), win.padded)
        dx = dx[(slice(None), *win.inner, slice(None))]
        return (from_windows(xp, dx, last, shape[0], shape[1]),)


def divisors(xp: Any, win: Window, include_pad: bool, like: Any) -> Any:
    """How many taps each window averages (PyTorch's rule), shaped (*out, 1).

    A window is cut at the end of the padding (ceil_mode's overhang is not counted); without
    `include_pad` also at the input's edges.
    """
    total = None
    for a in range(len(win.kernel)):
        s, p = win.size[a], win.pad_lo[a]
        start = xp.arange(win.out[a], device=like.device) * win.stride[a] - p
        end = xp.minimum(start + win.kernel[a], xp.full_like(start, s + p))
        if not include_pad:
            start = xp.maximum(start, xp.zeros_like(start))
            end = xp.minimum(end, xp.full_like(end, s))
        n = xp.reshape(
            end - start, tuple(win.out[a] if b == a else 1 for b in range(len(win.kernel)))
        )
        total = n if total is None else total * n
    return xp.expand_dims(xp.astype(total, like.dtype), axis=-1)


class AvgPool(Op):
    """N-d average pooling of (N, C, *S), with PyTorch's count_include_pad and
    divisor_override."""

    @staticmethod
    def forward(
        ctx,
        x,
        kernel=(),
        stride=(),
        padding=(),
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
    ):
        xp = ctx.xp
        nd = len(kernel)
        win = pool_window(
            f"avg_pool{nd}d", tuple(x.shape[2:]), kernel, stride, padding, (1,) * nd, ceil_mode
        )
        xw, last = to_windows(xp, x)
        padded = pad(xp, xw, win, 0.0)
        if divisor_override is not None:
            div = float(divisor_override)
        elif padded is xw:  # no padding: every window is whole
            div = float(math.prod(kernel))
        else:
            div = divisors(xp, win, count_include_pad, x)
        y = xp.window_sum(padded, *win.tap_args(), win.out)
        y /= div
        ctx.saved = (div, win, last, x.shape, y.shape)
        return from_windows(xp, y, last, x.shape[0], x.shape[1])

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        div, win, last, shape, wshape = ctx.saved
        gw = (channels_last(xp, g) if last else xp.reshape(g, wshape)) / div
        nd = len(win.kernel)
        # every tap of a window gets g / divisor: a broadcast view, folded back
        spread = xp.reshape(gw, (*gw.shape[:-1], *(1,) * nd, gw.shape[-1]))
        spread = xp.broadcast_to(spread, (*gw.shape[:-1], *win.kernel, gw.shape[-1]))
        dx = xp.fold(spread, *win.tap_args(), win.padded)
        dx = dx[(slice(None), *win.inner, slice(None))]
        return (from_windows(xp, dx, last, shape[0], shape[1]),)


def max_pool_indices(
    x: Any,
    kernel: tuple[int, ...] = (),
    stride: tuple[int, ...] = (),
    padding: tuple[int, ...] = (),
    dilation: tuple[int, ...] = (),
    ceil_mode: bool = False,
) -> Any:
    """PyTorch's `return_indices`: for each window of x (N, C, *S), the flat index within its
    channel's (*S) plane of the maximum that max pooling picks (int64, as torch's)."""
    from .backend import backend_of

    xp = backend_of(x)
    nd = len(kernel)
    win = pool_window(
        f"max_pool{nd}d", tuple(x.shape[2:]), kernel, stride, padding, dilation, ceil_mode
    )
    xw, last = to_windows(xp, x)
    padded = pad(xp, xw, win, -math.inf)
    first = first_taps(xp, win, x) if padded is not xw else None
    _, taps = xp.window_max(padded, *win.tap_args(), win.out, first)
    # the winner's coordinate along each axis: o·stride - pad + tap·dilation. Axes were
    # reduced last one first, so axis a's taps are laid out by the input positions along the
    # axes before it: read them at the winner's coordinates found for those axes.
    coords: list[Any] = []
    for a, tap in enumerate(reversed(taps)):
        tap = xp.astype(tap, xp.int64)
        for b, c in enumerate(coords):  # read at the winner's padded position along axis b
            tap = xp.take_along_axis(tap, c + win.pad_lo[b], axis=tap.ndim - 1 - nd + b)
        o = xp.arange(win.out[a], dtype=xp.int64, device=x.device)
        o = xp.reshape(o, (win.out[a],) + (1,) * (nd - a))
        coords.append(o * win.stride[a] - win.pad_lo[a] + tap * win.dilation[a])
    flat = None
    for a, c in enumerate(coords):
        flat = c if flat is None else flat * win.size[a] + c
    return from_windows(xp, flat, last, x.shape[0], x.shape[1])
