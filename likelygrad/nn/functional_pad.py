"""F.pad: PyTorch's padding (constant, reflect, replicate, circular), differentiable.

`pad` lists (before, after) amounts from the LAST dimension backwards: (left, right) pads the
last axis, (left, right, top, bottom) the last two. Negative amounts crop. Constant padding is
one op (`ConstantPad`); the other modes gather each padded axis by a host-computed index, whose
gradient sums the copies back (an edge element copied three times gets three gradients).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import dispatch as D
from ..ops import Op
from ..tensor import Tensor


class ConstantPad(Op):
    """y = x placed inside a block of `value` (cropped where amounts are negative).
    The VJP reads the placed block of g back into the kept part of x (zeros where cropped)."""

    @staticmethod
    def forward(ctx, x, widths=(), value=0.0):
        xp = ctx.xp
        keep, place, shape = _regions(tuple(x.shape), widths)
        ctx.saved = (keep, place, tuple(x.shape), x.dtype)
        out = xp.full(shape, value, dtype=x.dtype, device=getattr(x, "device", None))
        out[place] = x[keep]
        return out

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        keep, place, shape, dtype = ctx.saved
        gx = xp.zeros(shape, dtype=dtype, device=getattr(g, "device", None))
        gx[keep] = g[place]
        return (gx,)


def _regions(shape: tuple[int, ...], widths: tuple) -> tuple[tuple, tuple, tuple[int, ...]]:
    """(slices of x kept, slices of y they fill, y's shape) for per-axis (before, after)."""
    keep, place, out = [], [], []
    for n, (lo, hi) in zip(shape, widths):
        start, stop = max(-lo, 0), n - max(-hi, 0)
        kept = max(stop - start, 0)
        keep.append(slice(start, start + kept))
        place.append(slice(max(lo, 0), max(lo, 0) + kept))
        out.append(n + lo + hi)
    return tuple(keep), tuple(place), tuple(out)


def _index(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """Which input position each output position of a padded axis copies."""
    j = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if mode == "circular":
        return j % n
    period = 2 * (n - 1)  # reflect: ... 2 1 [0 1 2 ... n-1] n-2 n-3 ...
    j = np.abs(j) % period if period else np.zeros_like(j)
    return np.where(j >= n, period - j, j)


def pad(
    input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad (or crop, with negative amounts) the last len(pad)/2 dimensions of `input`."""
    amounts = [int(p) for p in pad]
    if len(amounts) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(amounts) // 2
    if k > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(amounts)} and input of dimension {input.ndim}"
        )
    # (before, after) per axis, first axis first; unpadded leading axes get (0, 0)
    widths = [(0, 0)] * (input.ndim - k) + [
        (amounts[2 * i], amounts[2 * i + 1]) for i in reversed(range(k))
    ]
    for axis, (n, (lo, hi)) in enumerate(zip(input.shape, widths)):
        if n + lo + hi < 0:
            raise RuntimeError(
                f"F.pad: the input size {n}, plus negative padding {lo} and {hi} resulted in a "
                f"negative output size, which is invalid. Check dimension {axis} of your input."
            )
    if mode == "constant":
        fill = 0.0 if value is None else value
        return D.apply(ConstantPad, input, widths=tuple(widths), value=fill)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(amounts)} is not supported for {input.ndim}D input tensor. "
            "Supported combinations for non-constant padding: 2D or 3D input with padding size "
            "2 (pads the last dimension); 3D or 4D with size 4 (the last 2); 4D or 5D with size "
            "6 (the last 3). Use mode='constant' for other shapes."
        )
    out = input
    for axis in range(input.ndim - k, input.ndim):
        n, (lo, hi) = input.shape[axis], widths[axis]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                "Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {axis} of input "
                f"{list(input.shape)}"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if lo or hi:
            out = out.index_select(axis, _index(n, lo, hi, mode))
    return out
