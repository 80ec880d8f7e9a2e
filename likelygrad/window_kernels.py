"""Kernels of the sliding-window ops (convolution, pooling): unfold, fold, window max and sum.

Every kernel works on channels-last arrays `(*batch, *spatial, C)`: the `nd` spatial axes sit just
before the last one. A window has `kernel[a]` taps along spatial axis a; output position o reads
the (already padded) input at o·stride + k·dilation for tap k. `slab(k)` is the strided slice that
reads tap k for every output position at once, so each kernel is a loop over the few taps of a
window, each step one array operation over the whole batch:

    unfold:  cols[..., o, k, c] = x[..., o·s + k·d, c]      (im2col: one row per window)
    fold:    x[..., o·s + k·d, c] += cols[..., o, k, c]     (col2im: unfold's adjoint)
    max:     the largest tap of each window and which tap it was (the first of equal ones)

`WindowKernels` writes them once with Array API slicing (any library); `NumPyWindowKernels`
(window_kernels_numpy.py) overrides them with strided views, in-place ufuncs and `out=`, which
NumPy has. Both are mixed into the backends (`backend.Backend`, `backend.NumPyBackend`).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

Sizes = tuple[int, ...]


def slab(tap: Sizes, stride: Sizes, dilation: Sizes, out: Sizes) -> tuple[slice, ...]:
    """The spatial slices that read tap `tap` of every window: o·stride + tap·dilation."""
    return tuple(
        slice(k * d, k * d + s * (o - 1) + 1 if o else k * d, s)
        for k, s, d, o in zip(tap, stride, dilation, out)
    )


def at_slab(tap: Sizes, stride: Sizes, dilation: Sizes, out: Sizes) -> tuple[Any, ...]:
    """The index of `slab` in a channels-last array (..., *S, C)."""
    return (Ellipsis, *slab(tap, stride, dilation, out), slice(None))


def taps(kernel: Sizes) -> list[Sizes]:
    """Every tap of a window, in PyTorch's scan order (the last axis fastest)."""
    return list(itertools.product(*(range(k) for k in kernel)))


def tap_index(tap: Sizes, nd: int) -> tuple:
    """The index of tap `tap` in a (..., *out, *kernel, C) array."""
    return (Ellipsis, *([slice(None)] * nd), *tap, slice(None))


def along(ax: int, n: int, s: int, d: int, o: int) -> tuple[Any, ...]:
    """The index that reads tap n of every window along array axis `ax` (all of other axes)."""
    return (*([slice(None)] * ax), slice(n * d, n * d + s * (o - 1) + 1 if o else n * d, s), ...)


def _device(x: Any) -> dict[str, Any]:
    dev = getattr(x, "device", None)
    return {} if dev is None or isinstance(x, np.ndarray) else {"device": dev}


class WindowKernels:
    """The portable kernels: slicing and element-wise operations of the Array API only."""

    ns: Any

    def unfold(self, x: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, out: Sizes) -> Any:
        """(..., *S, C) -> (..., *out, *kernel, C): every window copied into a row (im2col)."""
        xp, nd = self.ns, len(kernel)
        cols = xp.empty(
            (*x.shape[: x.ndim - nd - 1], *out, *kernel, x.shape[-1]), dtype=x.dtype, **_device(x)
        )
        for tap in taps(kernel):
            cols[tap_index(tap, nd)] = x[at_slab(tap, stride, dilation, out)]
        return cols

    def fold(self, cols: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, size: Sizes) -> Any:
        """(..., *out, *kernel, C) -> (..., *size, C): each row added back where unfold read it
        (col2im, unfold's adjoint); positions no window reads get 0."""
        xp, nd = self.ns, len(kernel)
        lead = cols.shape[: cols.ndim - 2 * nd - 1]
        out = cols.shape[len(lead) : len(lead) + nd]
        x = xp.zeros((*lead, *size, cols.shape[-1]), dtype=cols.dtype, **_device(cols))
        for tap in taps(kernel):
            key = at_slab(tap, stride, dilation, out)
            x[key] = x[key] + cols[tap_index(tap, nd)]
        return x

    def fold_product(
        self, g: Any, w: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, size: Sizes
    ) -> Any:
        """fold(g @ w) for g (N, *out, O) and w (O, K·C): a convolution's input gradient
        (N, *size, C) from its output gradient and filters."""
        nd = len(kernel)
        cols = self.ns.matmul(g, w)
        cols = self.ns.reshape(cols, (*g.shape[:-1], *kernel, w.shape[1] // math.prod(kernel)))
        return self.fold(cols, kernel, stride, dilation, size) if nd else cols

    # Max over a window, one spatial axis at a time: the last axis first, so that of equal
    # values the one earliest in scan order (smallest row, then smallest column) wins, as in
    # PyTorch. `idx` is a list with the winning tap along each axis, in that order.
    def window_max(
        self, x: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, out: Sizes, first: Any = None
    ) -> tuple[Any, list[Any]]:
        """(the largest tap of each window, which taps won: one array per spatial axis).

        As PyTorch's CPU kernel: a tap replaces the best so far if it is larger or nan, so of
        equal values the first wins and of nans the last. `first` (given when windows reach into
        padding, which holds -inf) holds, per axis, each window's first tap inside the input
        (shaped to broadcast along that axis): the tap chosen when every value is -inf, so a
        gradient never lands in the padding.
        """
        nd, idx = len(kernel), []
        for a in reversed(range(nd)):
            ax = x.ndim - 1 - nd + a
            f = None if first is None else first[a]
            x, i = self.max_along(x, ax, kernel[a], stride[a], dilation[a], out[a], f)
            idx.append(i)
        return x, idx

    def window_max_grad(
        self, g: Any, idx: list[Any], kernel: Sizes, stride: Sizes, dilation: Sizes, size: Sizes
    ) -> Any:
        """The VJP of window_max: each window's gradient goes to the tap that won."""
        nd = len(kernel)
        for a, i in zip(range(nd), reversed(idx)):  # undo the axes in reverse order
            ax = g.ndim - 1 - nd + a
            g = self.max_along_grad(g, i, ax, kernel[a], stride[a], dilation[a], size[a])
        return g

    def max_along(
        self, x: Any, ax: int, k: int, s: int, d: int, o: int, first: Any = None
    ) -> tuple[Any, Any]:
        """Max over windows along array axis `ax` alone: (values, winning tap per window)."""
        xp = self.ns
        best = idx = None
        for n in range(k):
            v = x[along(ax, n, s, d, o)]
            if best is None:
                if first is None:
                    best = xp.asarray(v, copy=True)
                    idx = xp.zeros(v.shape, dtype=xp.uint8, **_device(v))
                    continue
                best = xp.full(v.shape, -math.inf, dtype=v.dtype, **_device(v))
                idx = xp.astype(xp.broadcast_to(first, v.shape), xp.uint8)
            better = (v > best) | xp.isnan(v)
            best = xp.where(better, v, best)
            idx = xp.where(better, xp.asarray(n, dtype=xp.uint8, **_device(v)), idx)
        return best, idx

    def max_along_grad(self, g: Any, idx: Any, ax: int, k: int, s: int, d: int, size: int) -> Any:
        """The VJP of max_along: g goes to the tap `idx` picked, along axis `ax` of length
        `size`."""
        xp = self.ns
        shape = tuple(size if a == ax else n for a, n in enumerate(g.shape))
        dx = xp.zeros(shape, dtype=g.dtype, **_device(g))
        zero = xp.zeros_like(g)
        for n in range(k):
            key = along(ax, n, s, d, g.shape[ax])
            dx[key] = dx[key] + xp.where(idx == n, g, zero)
        return dx

    def window_sum(self, x: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, out: Sizes) -> Any:
        """The sum of each window's taps."""
        total = None
        for tap in taps(kernel):
            s = x[at_slab(tap, stride, dilation, out)]
            total = s if total is None else total + s
        return total if len(taps(kernel)) > 1 else self.ns.asarray(total, copy=True)
