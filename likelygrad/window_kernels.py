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
overrides them with strided views (`as_strided`), in-place ufuncs and `out=`, which NumPy has.
Both are mixed into the backends (`backend.Backend`, `backend.NumPyBackend`).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

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


def _at(tap: Sizes, nd: int) -> tuple:
    """The index of tap `tap` in a (..., *out, *kernel, C) array."""
    return (Ellipsis, *([slice(None)] * nd), *tap, slice(None))


def _along(ax: int, n: int, s: int, d: int, o: int) -> tuple[Any, ...]:
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
            cols[_at(tap, nd)] = x[at_slab(tap, stride, dilation, out)]
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
            x[key] = x[key] + cols[_at(tap, nd)]
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
            v = x[_along(ax, n, s, d, o)]
            if best is None:
                if first is None:
                    best, idx = xp.asarray(v, copy=True), xp.zeros(v.shape, dtype=xp.uint8)
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
            key = _along(ax, n, s, d, g.shape[ax])
            dx[key] = dx[key] + xp.where(idx == n, g, zero)
        return dx

    def window_sum(self, x: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, out: Sizes) -> Any:
        """The sum of each window's taps."""
        total = None
        for tap in taps(kernel):
            s = x[at_slab(tap, stride, dilation, out)]
            total = s if total is None else total + s
        return total if len(taps(kernel)) > 1 else self.ns.asarray(total, copy=True)


class NumPyWindowKernels(WindowKernels):
    """The same kernels with NumPy's strided views, in-place ufuncs and `out=`."""

    def unfold(self, x: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, out: Sizes) -> Any:
        # With few channels a tap-by-tap copy runs along the image rows, which is faster than
        # one copy of the strided windows view, whose innermost run is then only C long.
        if x.shape[-1] < 8:
            return super().unfold(x, kernel, stride, dilation, out)
        nd, st = len(kernel), x.strides
        lead = x.ndim - nd - 1
        space = range(lead, lead + nd)
        windows = as_strided(
            x,
            (*x.shape[:lead], *out, *kernel, x.shape[-1]),
            (
                *st[:lead],
                *(st[a] * s for a, s in zip(space, stride)),
                *(st[a] * d for a, d in zip(space, dilation)),
                st[-1],
            ),
            writeable=False,
        )
        return np.ascontiguousarray(windows)

    def fold(self, cols: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, size: Sizes) -> Any:
        nd = len(kernel)
        lead = cols.shape[: cols.ndim - 2 * nd - 1]
        out = cols.shape[len(lead) : len(lead) + nd]
        x = np.zeros((*lead, *size, cols.shape[-1]), dtype=cols.dtype)
        for tap in taps(kernel):
            view = x[at_slab(tap, stride, dilation, out)]
            view += cols[_at(tap, nd)]  # in place: no temporary, no second write
        return x

    def fold_product(
        self, g: Any, w: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, size: Sizes
    ) -> Any:
        # One GEMM per tap, g @ w_k, into a contiguous (N, *out, C) block that is added to the
        # tap's slab of the input: the adds then run along whole rows of the image (W·C long
        # at stride 1), where folding g @ w would add runs only C long, strided by K·C.
        n, o = g.shape[0], g.shape[-1]
        c = w.shape[1] // math.prod(kernel)
        out = g.shape[1:-1]
        dx = np.zeros((n, *size, c), g.dtype)
        rows = g.reshape(-1, o)
        part = np.empty((rows.shape[0], c), g.dtype)
        block = part.reshape(n, *out, c)
        taps_w = w.reshape(o, *kernel, c)
        for tap in taps(kernel):
            np.matmul(rows, taps_w[(slice(None), *tap)], out=part)
            view = dx[at_slab(tap, stride, dilation, out)]
            view += block
        return dx

    def window_max(
        self, x: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, out: Sizes, first: Any = None
    ) -> tuple[Any, list[Any]]:
        best, idx = super().window_max(x, kernel, stride, dilation, out, first)
        if best.size and np.isnan(np.maximum.reduce(best, axis=None)):
            # a nan in some window: its tap must be the last nan's, which `v > best` misses
            return WindowKernels.window_max(_Portable(), x, kernel, stride, dilation, out, first)
        return best, idx

    def window_max_grad(
        self, g: Any, idx: list[Any], kernel: Sizes, stride: Sizes, dilation: Sizes, size: Sizes
    ) -> Any:
        if g.size and not (
            np.isfinite(np.maximum.reduce(g, axis=None))
            and np.isfinite(np.minimum.reduce(g, axis=None))
        ):
            # g·0 would be nan where g is ±inf: select instead of multiplying
            return WindowKernels.window_max_grad(
                _Portable(), g, idx, kernel, stride, dilation, size
            )
        return super().window_max_grad(g, idx, kernel, stride, dilation, size)

    def max_along(
        self, x: Any, ax: int, k: int, s: int, d: int, o: int, first: Any = None
    ) -> tuple[Any, Any]:
        # Arithmetic instead of np.where: a select on a data-dependent mask runs ~20× slower.
        best = x[_along(ax, 0, s, d, o)]
        if first is None:
            idx, start = None, 1
        else:
            best, start = np.full(best.shape, -np.inf, x.dtype), 0
            idx = np.array(np.broadcast_to(first, best.shape), np.uint8)
        for n in range(start, k):
            v = x[_along(ax, n, s, d, o)]
            better = np.greater(v, best).view(np.uint8)
            if idx is None:  # taps run in order, so where(better, n, idx) = max(idx, n·better)
                idx, best = better, np.maximum(best, v)  # a new array: best was a view of x
            else:
                np.maximum(idx, better * np.uint8(n), out=idx)
                np.maximum(best, v, out=best)  # nan-propagating, as PyTorch's values are
        if idx is None:  # a window of one tap
            return np.array(best), np.zeros(best.shape, np.uint8)
        return best, idx

    def max_along_grad(self, g: Any, idx: Any, ax: int, k: int, s: int, d: int, size: int) -> Any:
        o = g.shape[ax]
        shape = tuple(size if a == ax else n for a, n in enumerate(g.shape))
        separate = s >= (k - 1) * d + 1  # each input element in at most one window
        tiled = separate and s == k and d == 1 and size == o * s  # ... and in exactly one
        dx = (np.empty if tiled else np.zeros)(shape, g.dtype)
        for n in range(k):
            view = dx[_along(ax, n, s, d, o)]
            if separate:
                np.multiply(g, idx == n, out=view)  # written, not added: no other tap lands here
            else:
                view += g * (idx == n)
        return dx


class _Portable(WindowKernels):
    """The portable kernels on NumPy arrays: the exact fallbacks for nan and inf."""

    ns = np
