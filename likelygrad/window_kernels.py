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


def disjoint(kernel: Sizes, stride: Sizes, dilation: Sizes) -> bool:
    """True when no input element is in two windows (each window ends before the next starts)."""
    return all(s >= (k - 1) * d + 1 for k, s, d in zip(kernel, stride, dilation))


def _at(tap: Sizes, nd: int) -> tuple:
    """The index of tap `tap` in a (..., *out, *kernel, C) array."""
    return (Ellipsis, *([slice(None)] * nd), *tap, slice(None))


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

    def window_max(
        self, x: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, out: Sizes, first: Any = None
    ) -> tuple[Any, Any]:
        """(largest tap of each window, the index of that tap in scan order).

        As PyTorch's CPU kernel: a tap replaces the best so far if it is larger or nan, so of
        equal values the first wins and of nans the last. `first` (given when windows reach into
        padding, which holds -inf) is each window's first tap inside the input: the tap chosen
        when every value is -inf, so a gradient never lands in the padding.
        """
        xp = self.ns
        dtype = xp.uint8 if math.prod(kernel) <= 256 else xp.int32
        best = idx = None
        for n, tap in enumerate(taps(kernel)):
            s = x[at_slab(tap, stride, dilation, out)]
            if best is None:
                if first is None:
                    best, idx = (
                        xp.asarray(s, copy=True),
                        xp.zeros(s.shape, dtype=dtype, **_device(s)),
                    )
                    continue
                best = xp.full(s.shape, -math.inf, dtype=s.dtype, **_device(s))
                idx = xp.astype(xp.broadcast_to(first, s.shape), dtype)
            better = (s > best) | xp.isnan(s)
            best = xp.where(better, s, best)
            idx = xp.where(better, xp.asarray(n, dtype=dtype, **_device(s)), idx)
        return best, idx

    def window_max_grad(
        self, g: Any, idx: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, size: Sizes
    ) -> Any:
        """The VJP of window_max: each window's gradient goes to the tap `idx` picked."""
        xp, nd = self.ns, len(kernel)
        out = g.shape[g.ndim - nd - 1 : -1]
        dx = xp.zeros(
            (*g.shape[: g.ndim - nd - 1], *size, g.shape[-1]), dtype=g.dtype, **_device(g)
        )
        zero = xp.zeros_like(g)
        for n, tap in enumerate(taps(kernel)):
            key = at_slab(tap, stride, dilation, out)
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

    def window_max(
        self, x: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, out: Sizes, first: Any = None
    ) -> tuple[Any, Any]:
        dtype = np.uint8 if math.prod(kernel) <= 256 else np.int32
        all_taps = taps(kernel)
        s0 = x[at_slab(all_taps[0], stride, dilation, out)]
        if first is None:
            best, idx, start = np.array(s0), np.zeros(s0.shape, dtype), 1
        else:
            best, start = np.full(s0.shape, -np.inf, x.dtype), 0
            idx = np.array(np.broadcast_to(first, s0.shape), dtype)
        for n in range(start, len(all_taps)):
            s = x[at_slab(all_taps[n], stride, dilation, out)]
            np.copyto(idx, n, where=s > best)
            np.maximum(best, s, out=best)  # nan-propagating, as the kernel's values are
        if best.size and np.isnan(np.maximum.reduce(best, axis=None)):
            # a nan in some window: its index must be the last nan's, which `s > best` misses
            return super().window_max(x, kernel, stride, dilation, out, first)
        return best, idx

    def window_max_grad(
        self, g: Any, idx: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, size: Sizes
    ) -> Any:
        out = g.shape[g.ndim - len(kernel) - 1 : -1]
        separate = disjoint(kernel, stride, dilation)
        dx = np.zeros((*g.shape[: g.ndim - len(kernel) - 1], *size, g.shape[-1]), g.dtype)
        for n, tap in enumerate(taps(kernel)):
            view = dx[at_slab(tap, stride, dilation, out)]
            if separate:  # each input element is in one window: copy, don't add
                np.copyto(view, g, where=idx == n)
            else:
                view += np.where(idx == n, g, 0)
        return dx

    def window_sum(self, x: Any, kernel: Sizes, stride: Sizes, dilation: Sizes, out: Sizes) -> Any:
        all_taps = taps(kernel)
        total = np.array(x[at_slab(all_taps[0], stride, dilation, out)])
        for tap in all_taps[1:]:
            total += x[at_slab(tap, stride, dilation, out)]
        return total
