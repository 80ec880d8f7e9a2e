"""Convolution as one matrix product: unfold the input's windows into rows, multiply by the
filters, and fold the gradient back (im2col and col2im).

For input x (N, C, *S) and filters w (O, C/groups, *K), output channel o at position p is
    y[n, o, p] = b[o] + Σ_{c, k} w[o, c, k] · x_pad[n, c, p·stride + k·dilation]
(a cross-correlation, as in PyTorch). Unfolding x_pad into cols[(n, p), (k, c)] makes this one
GEMM per group, Y = cols Wᵀ with W[o, (k, c)] = w[o, c, k], so the VJPs are the GEMM's:
    dW = Gᵀ cols,    db = Σ_rows G,    dcols = G W,    dx = fold(dcols)
where fold, unfold's adjoint, adds each window's gradient back where the window was read.

Layout: the kernels work channels-last, (N, *S, C), so that a row of cols is read and written in
runs of C; the GEMM's output Y (N·P, O) is channels-last too, and is returned as a (N, O, *P) view
of it (PyTorch's `channels_last` memory format): nothing is transposed on the way, and the next
layer's unfold reads it in runs of O.

Memory: cols holds N·P·K·C numbers (`unfold_nbytes`; 18 MB for a 3×3 conv from 32 channels on
11×11 outputs at batch 128, float32). It is kept for the backward pass. A batch whose cols would
exceed `MAX_UNFOLD_BYTES` is processed in slices of the batch instead, and the backward pass
unfolds each slice again rather than keeping it.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from .errors import ShapeError  # noqa: F401  (imported from here by the layers)
from .ops import Op

MAX_UNFOLD_BYTES = 256 << 20  # above this, unfold a slice of the batch at a time
SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}  # the names of the spatial axes, for messages


class Window(NamedTuple):
    """The geometry of a sliding window along the spatial axes: sizes per axis."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pad_lo: tuple[int, ...]
    pad_hi: tuple[int, ...]
    size: tuple[int, ...]  # of the input, before padding
    out: tuple[int, ...]

    @property
    def padded(self) -> tuple[int, ...]:
        return tuple(s + lo + hi for s, lo, hi in zip(self.size, self.pad_lo, self.pad_hi))

    @property
    def inner(self) -> tuple[slice, ...]:
        """The input's place inside the padded array."""
        return tuple(slice(lo, lo + s) for lo, s in zip(self.pad_lo, self.size))

    def tap_args(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        return self.kernel, self.stride, self.dilation


def conv_window(
    name: str,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    dilation: tuple[int, ...],
    groups: int,
) -> Window:
    """The window of a convolution, after checking the shapes; ShapeError naming them."""
    nd = len(x_shape) - 2
    c, o = x_shape[1], w_shape[0]
    if len(w_shape) != nd + 2:
        raise ShapeError(
            f"{name}: weight {w_shape} must have {nd + 2} dimensions "
            f"(out_channels, in_channels / groups, {nd} kernel sizes)"
        )
    if groups < 1 or o % groups:
        raise ShapeError(
            f"{name}: weight {w_shape} has {o} output channels, which groups={groups} must divide"
        )
    if c != w_shape[1] * groups:
        raise ShapeError(
            f"{name}: input {x_shape} has {c} channels, weight {w_shape} expects "
            f"{w_shape[1] * groups} ({w_shape[1]} per group × groups={groups}); the input's "
            f"dimension 1 holds its channels (N, C, {SPATIAL[nd]})"
        )
    kernel = tuple(w_shape[2:])
    lo, hi = tuple(p[0] for p in padding), tuple(p[1] for p in padding)
    size = tuple(x_shape[2:])
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    padded = tuple(s + a + b for s, a, b in zip(size, lo, hi))
    if any(p < k for p, k in zip(padded, span)):
        raise ShapeError(
            f"{name}: the padded input is {padded} per channel but the (dilated) kernel spans "
            f"{span}: the kernel can't be larger than the input; pad it or use a smaller kernel"
        )
    out = tuple((p - k) // s + 1 for p, k, s in zip(padded, span, stride))
    return Window(kernel, tuple(stride), tuple(dilation), lo, hi, size, out)


def unfold_nbytes(window: Window, batch: int, channels: int, itemsize: int) -> int:
    """Bytes of the unfolded input (cols) of one convolution: N·P·K·C·itemsize."""
    return batch * math.prod(window.out) * math.prod(window.kernel) * channels * itemsize


def channels_last(xp: Any, x: Any) -> Any:
    """(N, C, *S) -> (N, *S, C): a view where the library has views."""
    return xp.permute_dims(x, (0, *range(2, x.ndim), 1))


def channels_first(xp: Any, y: Any) -> Any:
    """(N, *S, C) -> (N, C, *S): the inverse of `channels_last`."""
    return xp.permute_dims(y, (0, y.ndim - 1, *range(1, y.ndim - 1)))


def pad(xp: Any, x: Any, win: Window, value: float) -> Any:
    """Channels-last x inside a border of `value` (x itself when there is no border)."""
    if not any(win.pad_lo) and not any(win.pad_hi):
        return x
    out = xp.full((x.shape[0], *win.padded, x.shape[-1]), value, dtype=x.dtype, device=x.device)
    out[(slice(None), *win.inner, slice(None))] = x
    return out


def _grouped(xp: Any, x: Any, groups: int) -> Any:
    """(N, *S, C) -> (groups, N, *S, C/groups)."""
    if groups == 1:
        return xp.expand_dims(x, axis=0)
    split = xp.reshape(x, (*x.shape[:-1], groups, x.shape[-1] // groups))
    return xp.permute_dims(split, (x.ndim - 1, *range(x.ndim - 1), x.ndim))


def _bmm(xp: Any, a: Any, b: Any) -> Any:
    """a @ b over a leading groups axis; one plain GEMM when there is one group."""
    if a.shape[0] == 1:
        return xp.expand_dims(xp.matmul(a[0, ...], b[0, ...]), axis=0)
    return xp.matmul(a, b)


def _cols(xp: Any, xl: Any, win: Window, groups: int) -> Any:
    """The unfolded padded channels-last input: (groups, N·P, K·C/groups)."""
    cols = xp.unfold(_grouped(xp, xl, groups), *win.tap_args(), win.out)
    g, n = cols.shape[0], cols.shape[1]
    return xp.reshape(cols, (g, n * math.prod(win.out), math.prod(win.kernel) * cols.shape[-1]))


class Conv(Op):
    """N-d convolution (1-d, 2-d, 3-d): input (N, C, *S), weight (O, C/groups, *K), bias (O,).

    `padding` holds (before, after) per spatial axis; `conv1d`/`conv2d` in nn.functional take
    PyTorch's arguments and resolve 'same' and 'valid'.
    """

    saved_inputs = (0, 1)

    @staticmethod
    def forward(ctx, x, w, b=None, stride=(), padding=(), dilation=(), groups=1):
        xp = ctx.xp
        nd = x.ndim - 2
        win = conv_window(
            f"conv{nd}d", tuple(x.shape), tuple(w.shape), stride, padding, dilation, groups
        )
        n, o, p = x.shape[0], w.shape[0], math.prod(win.out)
        # W[g, o, (k, c)] = w[g·O/groups + o, c, k]: the filters as rows matching cols
        wm = xp.reshape(w, (groups, o // groups, *w.shape[1:]))
        wm = xp.reshape(
            xp.permute_dims(wm, (0, 1, *range(3, nd + 3), 2)),
            (groups, o // groups, math.prod(w.shape[1:])),
        )
        xl = pad(xp, channels_last(xp, x), win, 0.0)
        per_example = unfold_nbytes(win, 1, x.shape[1], xp.dtype_of(x).itemsize)
        step = max(1, MAX_UNFOLD_BYTES // max(per_example, 1))
        ys, cols = [], None
        for start in range(0, max(n, 1), step):
            cols = _cols(xp, xl[start : min(start + step, n), ...], win, groups)
            ys.append(_bmm(xp, cols, xp.matrix_transpose(wm)))  # (groups, rows, O/groups)
        y = ys[0] if len(ys) == 1 else xp.concat(ys, axis=1)
        y = y[0, ...] if groups == 1 else xp.reshape(xp.permute_dims(y, (1, 0, 2)), (n * p, o))
        if b is not None:
            y += b
        # one slice: keep its cols for dW; several: keep the input and unfold it again
        ctx.saved = (cols, None) if step >= n else (None, xl)
        ctx.saved += (wm, win, groups, step, w.shape)
        return channels_first(xp, xp.reshape(y, (n, *win.out, o)))

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        cols, xl, wm, win, groups, step, w_shape = ctx.saved
        n, o, nd = g.shape[0], g.shape[1], g.ndim - 2
        p, cg = math.prod(win.out), wm.shape[2] // math.prod(win.kernel)
        gl = xp.reshape(channels_last(xp, g), (n * p, o))
        # G[g, (n, p), o]: the output gradient split by group, rows as in cols
        g3 = _grouped(xp, gl, groups)
        gw = gx = None
        chunks = []
        for start in range(0, max(n, 1), step):
            rows = slice(start * p, min(start + step, n) * p)
            c = (
                cols
                if cols is not None
                else _cols(xp, xl[start : min(start + step, n), ...], win, groups)
            )
            gc = g3[:, rows, :]
            if ctx.needs[1]:
                part = _bmm(xp, xp.matrix_transpose(gc), c)  # dW = Gᵀ cols
                gw = part if gw is None else gw + part
            if ctx.needs[0]:  # dx = fold(G W), a group at a time
                shape = (min(step, n - start), *win.out, o // groups)
                parts = [
                    xp.fold_product(xp.reshape(gc[i, ...], shape), wm[i, ...], *win.tap_args(),
                                    win.padded)
                    for i in range(groups)
                ]  # fmt: skip
                one = groups == 1  # no copy for the usual case
                chunks.append(xp.expand_dims(parts[0], axis=0) if one else xp.stack(parts))
        if ctx.needs[1]:
            gw = xp.reshape(gw, (groups, o // groups, *win.kernel, cg))
            gw = xp.reshape(xp.permute_dims(gw, (0, 1, nd + 2, *range(2, nd + 2))), w_shape)
        if ctx.needs[0]:
            dx = chunks[0] if len(chunks) == 1 else xp.concat(chunks, axis=1)
            dx = dx[(slice(None), slice(None), *win.inner, slice(None))]  # (groups, N, *S, C/g)
            if groups == 1:
                dx = dx[0, ...]
            else:
                dx = xp.permute_dims(dx, (*range(1, nd + 2), 0, nd + 2))
                dx = xp.reshape(dx, (*dx.shape[:-2], groups * cg))
            gx = channels_first(xp, dx)
        gb = None
        if len(ctx.needs) > 2 and ctx.needs[2]:  # Σ_rows G as a product: BLAS beats a reduce
            gb = xp.matmul(xp.ones((gl.shape[0],), dtype=gl.dtype, device=gl.device), gl)
        return gx, gw, gb
