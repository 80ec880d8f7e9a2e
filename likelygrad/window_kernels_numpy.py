"""The NumPy versions of the window kernels (see window_kernels.py): strided views, in-place
ufuncs and `out=`, and blocks of the batch small enough to stay in the CPU's cache.

NumPy runs a select on a data-dependent mask (`np.where`, `copyto(where=)`) about 20× slower
than arithmetic, so max pooling blends with `maximum` and products instead, and falls back to
the exact portable kernels when a nan or an infinity would make the arithmetic wrong.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .window_kernels import Sizes, WindowKernels, along, at_slab, tap_index, taps

CACHE_BYTES = 1 << 20  # pooling works through the batch in blocks of about this much input


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
            view += cols[tap_index(tap, nd)]  # in place: no temporary, no second write
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
        # Block by block over the batch (axis 0): each stage then reads what the previous one
        # wrote while it is still in the cache, instead of every stage streaming the batch.
        nd, n = len(kernel), x.shape[0]
        shapes, shape = [], list(x.shape)
        for a in reversed(range(nd)):  # the shape after each stage: one more axis pooled
            shape[x.ndim - 1 - nd + a] = out[a]
            shapes.append(tuple(shape))
        best = np.empty(shapes[-1], x.dtype)
        idx = [np.empty(sh, np.uint8) for sh in shapes]
        step = _block(x, n)
        for i in range(0, n, step):
            v = x[i : i + step]
            for j, a in enumerate(reversed(range(nd))):
                f = None if first is None else first[a]
                into = best[i : i + step] if j == nd - 1 else None
                v, _ = self.max_along(v, v.ndim - 1 - nd + a, kernel[a], stride[a], dilation[a],
                                   out[a], f, into, idx[j][i : i + step])  # fmt: skip
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
        nd, n = len(kernel), g.shape[0]
        dx = np.empty((n, *size, g.shape[-1]), g.dtype)
        step = _block(dx, n)
        for i in range(0, n, step):
            v = g[i : i + step]
            for a, ix in zip(range(nd), reversed(idx)):  # the stages undone in reverse order
                into = dx[i : i + step] if a == nd - 1 else None
                v = self.max_along_grad(v, ix[i : i + step], v.ndim - 1 - nd + a, kernel[a],
                                        stride[a], dilation[a], size[a], into)  # fmt: skip
        return dx

    def max_along(
        self,
        x: Any,
        ax: int,
        k: int,
        s: int,
        d: int,
        o: int,
        first: Any = None,
        out: Any = None,
        taps_out: Any = None,
    ) -> tuple[Any, Any]:
        v0 = x[along(ax, 0, s, d, o)]
        best = np.empty(v0.shape, x.dtype) if out is None else out
        idx = np.empty(v0.shape, np.uint8) if taps_out is None else taps_out
        if first is not None:
            best.fill(-np.inf)
            np.copyto(idx, np.broadcast_to(first, v0.shape), casting="unsafe")
            start = 0
        elif k == 1:
            np.copyto(best, v0)
            idx.fill(0)
            return best, idx
        else:  # the first two taps at once: no copy of tap 0
            v1 = x[along(ax, 1, s, d, o)]
            np.greater(v1, v0, out=idx.view(np.bool_))  # 1 where tap 1 wins
            np.maximum(v0, v1, out=best)
            start = 2
        for n in range(start, k):
            v = x[along(ax, n, s, d, o)]
            better = np.greater(v, best).view(np.uint8)
            # taps come in order, so where(better, n, idx) = max(idx, n·better)
            np.maximum(idx, better * np.uint8(n), out=idx)
            np.maximum(best, v, out=best)  # nan-propagating, as PyTorch's values are
        return best, idx

    def max_along_grad(
        self, g: Any, idx: Any, ax: int, k: int, s: int, d: int, size: int, out: Any = None
    ) -> Any:
        o = g.shape[ax]
        shape = tuple(size if a == ax else n for a, n in enumerate(g.shape))
        separate = s >= (k - 1) * d + 1  # each input element in at most one window
        tiled = separate and s == k and d == 1 and size == o * s  # ... and in exactly one
        if out is None:
            dx = (np.empty if tiled else np.zeros)(shape, g.dtype)
        else:
            dx = out
            if not tiled:
                dx.fill(0)
        for n in range(k):
            view = dx[along(ax, n, s, d, o)]
            if separate:
                np.multiply(g, idx == n, out=view)  # written, not added: no other tap lands here
            else:
                view += g * (idx == n)
        return dx


def _block(x: Any, n: int) -> int:
    """How many examples of the batch x (n of them) make about CACHE_BYTES."""
    return max(1, CACHE_BYTES // max(x.nbytes // max(n, 1), 1))


class _Portable(WindowKernels):
    """The portable kernels on NumPy arrays: the exact fallbacks for nan and inf."""

    ns = np
