"""Transposed convolution: the VJP of a convolution with respect to its input, run forward.

A convolution from C to O channels with filters w (O, C/groups, *K) maps x (N, C, *S_in) to
y (N, O, *S_out); its input VJP maps an (N, O, *S_out) gradient back to (N, C, *S_in). The
transposed convolution is that map, with PyTorch's weight layout (in_channels,
out_channels/groups, *K), which is exactly the convolution's (O, C/groups, *K) read the other
way: each input position p scatters its channels through the filters onto the output window
it would have been read from,

    y[n, c, p·stride + k·dilation - padding] += Σ_o x[n, o, p] · w[o, c, k],   then y += b[c]

So the forward is the convolution's `fold(G W)` (`fold_product`: col2im of a GEMM), and the
VJPs are the convolution's forward quantities on the output gradient g: unfolding g's windows
into cols[(n, p), (k, c)] (im2col), the input gradient is a convolution and the weight
gradient a correlation with x,
    dx = cols Wᵀ,    dW = Xᵀ cols,    db = Σ g over the batch and positions,
one GEMM each per group, sharing the one unfolding of g.

Output size per axis: (S_in - 1)·stride - 2·padding + dilation·(K - 1) + 1 + output_padding.
`output_padding` (< stride or < dilation) only lengthens the output at the end: those positions
are read by no window, so they hold the bias alone.
"""

from __future__ import annotations

import math
from typing import Any

from . import conv_ops
from .conv_ops import (
    SPATIAL,
    ShapeError,
    Window,
    _bmm,
    _cols,
    _grouped,
    channels_first,
    channels_last,
    pad,
    unfold_nbytes,
)
from .ops import Op


def transpose_window(
    name: str,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    output_padding: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int,
) -> Window:
    """The window of the convolution a transposed convolution is the input VJP of: its input
    is the transposed convolution's output; ShapeError naming the shapes otherwise."""
    nd = len(x_shape) - 2
    c = x_shape[1]
    if len(w_shape) != nd + 2:
        raise ShapeError(
            f"{name}: weight {w_shape} must have {nd + 2} dimensions "
            f"(in_channels, out_channels / groups, {nd} kernel sizes)"
        )
    if w_shape[0] % groups:
        raise ShapeError(
            f"{name}: weight {w_shape} has {w_shape[0]} input channels, which groups={groups} "
            "must divide"
        )
    if c != w_shape[0]:
        raise ShapeError(
            f"{name}: input {x_shape} has {c} channels, weight {w_shape} expects {w_shape[0]} "
            f"(a transposed convolution's weight is (in_channels, out_channels / groups, "
            f"{SPATIAL[nd]} kernel)); the input's dimension 1 holds its channels"
        )
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise ShapeError(
            f"{name}: output padding must be smaller than either stride or dilation, but got "
            f"output_padding={output_padding}, stride={stride}, dilation={dilation}"
        )
    kernel, size = tuple(w_shape[2:]), tuple(x_shape[2:])
    out = tuple(
        (s - 1) * st - 2 * p + d * (k - 1) + 1 + op
        for s, st, p, d, k, op in zip(size, stride, padding, dilation, kernel, output_padding)
    )
    if any(o < 1 for o in out):
        raise ShapeError(
            f"{name}: input of spatial size {size} gives an output of size {out} (kernel "
            f"{kernel}, stride {stride}, padding {padding}, dilation {dilation}): too small; "
            "lower the padding"
        )
    # The convolution reads its input `out` padded by `padding` on both sides and has
    # `size` outputs: the transposed convolution's output is that convolution's input.
    return Window(kernel, tuple(stride), tuple(dilation), tuple(padding), tuple(padding), out,
                  size)  # fmt: skip


def filter_rows(xp: Any, w: Any, groups: int) -> Any:
    """W[g, o, (k, c)] = w[g·O/groups + o, c, k]: filters (O, C/groups, *K) as the rows that
    multiply unfolded windows, (groups, O/groups, K·C/groups)."""
    nd = w.ndim - 2
    wm = xp.reshape(w, (groups, w.shape[0] // groups, *w.shape[1:]))
    wm = xp.permute_dims(wm, (0, 1, *range(3, nd + 3), 2))
    return xp.reshape(wm, (groups, w.shape[0] // groups, math.prod(w.shape[1:])))


def merge_groups(xp: Any, parts: list[Any] | Any) -> Any:
    """(groups, *rest, C/groups) blocks, one per group, as (*rest, C): channels of group i
    follow those of group i - 1."""
    if isinstance(parts, list) and len(parts) == 1:
        return parts[0]
    y = xp.stack(parts) if isinstance(parts, list) else parts
    if y.shape[0] == 1:
        return y[0, ...]
    y = xp.permute_dims(y, (*range(1, y.ndim - 1), 0, y.ndim - 1))
    return xp.reshape(y, (*y.shape[:-2], y.shape[-2] * y.shape[-1]))


class ConvTranspose(Op):
    """N-d transposed convolution: input (N, C_in, *S), weight (C_in, C_out/groups, *K),
    bias (C_out,); `padding`, `output_padding`, `stride`, `dilation` per spatial axis."""

    saved_inputs = (0, 1)
    saved_for = (1, 0)  # x is read by the weight's VJP, w by the input's

    @staticmethod
    def forward(ctx, x, w, b=None, stride=(), padding=(), output_padding=(), dilation=(),
                groups=1):  # fmt: skip
        xp = ctx.xp
        nd = x.ndim - 2
        win = transpose_window(f"conv_transpose{nd}d", tuple(x.shape), tuple(w.shape), stride,
                               padding, output_padding, dilation, groups)  # fmt: skip
        wm = filter_rows(xp, w, groups)  # (groups, C_in/groups, K·C_out/groups)
        xg = _grouped(xp, channels_last(xp, x), groups)  # (groups, N, *S, C_in/groups)
        # y = fold(X W), a group at a time: each input position's window, added back
        parts = [
            xp.fold_product(xg[i, ...], wm[i, ...], *win.tap_args(), win.padded)
            for i in range(groups)
        ]
        y = merge_groups(xp, parts)[(slice(None), *win.inner, slice(None))]
        if b is not None:
            y = y + b
        ctx.saved = (x, wm, win, groups, w.shape)
        return channels_first(xp, y)

    @staticmethod
    def backward(ctx, g):
        xp = ctx.xp
        x, wm, win, groups, w_shape = ctx.saved
        n, c_in, nd = x.shape[0], x.shape[1], x.ndim - 2
        c_out, p = g.shape[1], math.prod(win.out)
        gl = channels_last(xp, g)
        gpad = pad(xp, gl, win, 0.0)
        per_example = unfold_nbytes(win, 1, c_out, xp.dtype_of(g).itemsize)
        step = max(1, conv_ops.MAX_UNFOLD_BYTES // max(per_example, 1))
        x3 = None
        if ctx.needs[1]:  # X[g, (n, p), c]: the input's channels split by group, rows as cols
            x3 = _grouped(xp, xp.reshape(channels_last(xp, x), (n * p, c_in)), groups)
        gw, dxs = None, []
        for start in range(0, max(n, 1), step):
            stop = min(start + step, n)
            cols = _cols(xp, gpad[start:stop, ...], win, groups)  # (groups, rows, K·C_out/g)
            if ctx.needs[0]:
                dxs.append(_bmm(xp, cols, xp.matrix_transpose(wm)))  # dx = cols Wᵀ
            if ctx.needs[1]:
                part = _bmm(xp, xp.matrix_transpose(x3[:, start * p : stop * p, :]), cols)
                gw = part if gw is None else gw + part  # dW = Xᵀ cols
        gx = gb = None
        if ctx.needs[0]:
            dx = dxs[0] if len(dxs) == 1 else xp.concat(dxs, axis=1)
            gx = channels_first(xp, xp.reshape(merge_groups(xp, dx), (n, *win.out, c_in)))
        if ctx.needs[1]:
            gw = xp.reshape(gw, (groups, c_in // groups, *win.kernel, c_out // groups))
            gw = xp.reshape(xp.permute_dims(gw, (0, 1, nd + 2, *range(2, nd + 2))), w_shape)
        if len(ctx.needs) > 2 and ctx.needs[2]:  # Σ over rows as a product with ones
            rows = xp.reshape(gl, (n * math.prod(win.size), c_out))
            gb = xp.matmul(xp.ones((rows.shape[0],), dtype=g.dtype, device=g.device), rows)
        return gx, gw, gb
