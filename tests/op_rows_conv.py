"""Op-table rows of the convolutional layers: convolution, pooling, normalization, embedding.

Each NumPy reference is written from the definition, window by window, independently of the
im2col implementation. Cases cover strides, paddings (ints, 'same', 'valid', asymmetric ceil
overhangs), dilations, groups, odd sizes, batch 1, an empty batch, 1-d and 3-d, and inputs stored
channels-last (a permuted view), which take the kernels' other layout.
"""

from __future__ import annotations

import itertools

import numpy as np
from op_table import Row, T

import likelygrad as lg
from likelygrad.dispatch import apply
from likelygrad.norm_ops import Normalize

F = lg.nn.functional


def _tup(v, nd):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd


def _pads(padding, nd, kernel, dilation):
    """(before, after) per axis; 'same' puts the odd one after, as torch."""
    if padding == "valid":
        return [(0, 0)] * nd
    if padding == "same":
        tot = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(t // 2, t - t // 2) for t in tot]
    return [(p, p) for p in _tup(padding, nd)]


def np_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    nd = x.ndim - 2
    st, dl, k = _tup(stride, nd), _tup(dilation, nd), w.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0), *_pads(padding, nd, k, dl)])
    out = [(xp.shape[2 + a] - dl[a] * (k[a] - 1) - 1) // st[a] + 1 for a in range(nd)]
    og, cg = w.shape[0] // groups, w.shape[1]
    y = np.zeros((x.shape[0], w.shape[0], *out))
    for pos in itertools.product(*map(range, out)):
        win = xp[(..., *(slice(p * s, p * s + d * (kk - 1) + 1, d)
                         for p, s, d, kk in zip(pos, st, dl, k)))]  # fmt: skip
        for g in range(groups):
            part = win[:, g * cg : (g + 1) * cg]
            ax = list(range(1, nd + 2))
            y[(slice(None), slice(g * og, (g + 1) * og), *pos)] = np.tensordot(
                part, w[g * og : (g + 1) * og], axes=(ax, ax)
            )
    return y if b is None else y + b.reshape(-1, *[1] * nd)


def _pool_geometry(size, k, s, p, d, ceil):
    room = size + 2 * p - d * (k - 1) - 1
    o = (-(-room // s) if ceil else room // s) + 1
    return o - 1 if ceil and (o - 1) * s >= size + p else o


def np_max_pool(x, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
    nd = x.ndim - 2
    k, p, d = _tup(kernel, nd), _tup(padding, nd), _tup(dilation, nd)
    s = k if stride is None else _tup(stride, nd)
    out = [_pool_geometry(x.shape[2 + a], k[a], s[a], p[a], d[a], ceil_mode) for a in range(nd)]
    y = np.full((*x.shape[:2], *out), -np.inf)
    for pos in itertools.product(*map(range, out)):
        for tap in itertools.product(*map(range, k)):
            idx = [o * ss - pp + t * dd for o, ss, pp, t, dd in zip(pos, s, p, tap, d)]
            if all(0 <= i < x.shape[2 + a] for a, i in enumerate(idx)):
                y[(..., *pos)] = np.maximum(y[(..., *pos)], x[(..., *idx)])
    return y


def np_avg_pool(x, kernel, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                divisor_override=None):  # fmt: skip
    nd = x.ndim - 2
    k, p = _tup(kernel, nd), _tup(padding, nd)
    s = k if stride is None else _tup(stride, nd)
    out = [_pool_geometry(x.shape[2 + a], k[a], s[a], p[a], 1, ceil_mode) for a in range(nd)]
    y = np.zeros((*x.shape[:2], *out))
    for pos in itertools.product(*map(range, out)):
        lo = [o * ss - pp for o, ss, pp in zip(pos, s, p)]
        hi = [min(a + kk, n + pp) for a, kk, n, pp in zip(lo, k, x.shape[2:], p)]
        size = np.prod([h - a for a, h in zip(lo, hi)])  # the window, cut at the padding's end
        lo = [max(a, 0) for a in lo]
        hi = [min(h, n) for h, n in zip(hi, x.shape[2:])]
        total = x[(..., *(slice(a, h) for a, h in zip(lo, hi)))].sum(axis=tuple(range(2, 2 + nd)))
        inside = np.prod([h - a for a, h in zip(lo, hi)])
        div = divisor_override or (size if count_include_pad else inside)
        y[(..., *pos)] = total / div
    return y


def np_normalize(x, axes, eps=1e-5):
    mu = x.mean(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(((x - mu) ** 2).mean(axis=axes, keepdims=True) + eps)


def _quiet(fn, *args, **kw):
    """torch, without its note that an even kernel with padding='same' costs a padded copy."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using padding='same'", UserWarning)
        return fn(*args, **kw)


def _cl(x):
    """A channels-last (N, *S, C) array as the (N, C, *S) view a channels_last tensor is."""
    return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def _np_cl(x):
    return np.moveaxis(x, -1, 1)


ROWS: list[Row] = []

# (name, input, weight, bias?, kwargs)
CONV = [
    ("basic", (2, 3, 7, 6), (4, 3, 3, 3), True, {}),
    ("stride2-pad1", (2, 3, 7, 6), (4, 3, 3, 2), True, {"stride": 2, "padding": 1}),
    ("same", (1, 2, 6, 5), (3, 2, 3, 3), True, {"padding": "same"}),
    ("same-dilated", (2, 2, 7, 6), (3, 2, 3, 3), False, {"padding": "same", "dilation": 2}),
    ("valid", (2, 2, 5, 5), (3, 2, 2, 2), True, {"padding": "valid"}),
    ("dilated-asym", (2, 3, 9, 8), (2, 3, 3, 2), True,
     {"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1)}),
    ("groups2", (2, 4, 7, 6), (6, 2, 3, 3), True, {"groups": 2, "padding": 1}),
    ("depthwise", (1, 3, 5, 6), (6, 1, 3, 3), False, {"groups": 3, "stride": 2}),
    ("1x1-wide", (2, 16, 3, 4), (5, 16, 1, 1), True, {}),
    ("many-channels", (2, 9, 5, 5), (4, 9, 3, 3), True, {"padding": 1}),
    ("batch1-odd", (1, 1, 9, 7), (2, 1, 5, 3), True, {"stride": 3, "padding": 2}),
    ("empty-batch", (0, 3, 5, 5), (2, 3, 3, 3), True, {"padding": 1}),
    ("unbatched", (3, 6, 5), (2, 3, 3, 3), True, {}),
]  # fmt: skip
for name, xs, ws, bias, kw in CONV:
    shapes = (xs, ws, (ws[0],)) if bias else (xs, ws)

    def np_fn(x, w, b=None, kw=kw):
        if x.ndim == 3:
            return np_conv(x[None], w, b, **kw)[0]
        return np_conv(x, w, b, **kw)

    ROWS.append(Row(f"conv2d-{name}", lambda *a, kw=kw: F.conv2d(*a, **kw), np_fn,
                    lambda *a, kw=kw: T().nn.functional.conv2d(*a, **kw), shapes))  # fmt: skip

ROWS += [
    Row("conv2d-channels-last", lambda x, w, b: F.conv2d(_cl(x), w, b, padding=1),
        lambda x, w, b: np_conv(_np_cl(x), w, b, padding=1),
        lambda x, w, b: T().nn.functional.conv2d(_cl(x), w, b, padding=1),
        ((2, 5, 6, 10), (3, 10, 3, 3), (3,))),
    Row("conv1d-stride-dilation", lambda x, w, b: F.conv1d(x, w, b, 2, 1, 2),
        lambda x, w, b: np_conv(x, w, b, 2, 1, 2),
        lambda x, w, b: T().nn.functional.conv1d(x, w, b, 2, 1, 2), ((2, 3, 11), (4, 3, 3), (4,))),
    Row("conv1d-same-groups", lambda x, w: F.conv1d(x, w, padding="same", groups=2),
        lambda x, w: np_conv(x, w, padding="same", groups=2),
        lambda x, w: _quiet(T().nn.functional.conv1d, x, w, padding="same", groups=2),
        ((1, 4, 8), (2, 2, 4))),
    Row("conv3d", lambda x, w, b: F.conv3d(x, w, b, padding=1),
        lambda x, w, b: np_conv(x, w, b, padding=1),
        lambda x, w, b: T().nn.functional.conv3d(x, w, b, padding=1),
        ((1, 2, 4, 5, 3), (3, 2, 2, 3, 2), (3,))),
]  # fmt: skip

# max pooling: distinct inputs (no ties: finite differences need a unique maximum)
MAXPOOL = [
    ("2x2", (2, 3, 6, 8), (2,), {}),
    ("3-s2-p1", (2, 2, 7, 6), (3, 2, 1), {}),
    ("ceil", (1, 2, 7, 6), (3, 2, 1), {"ceil_mode": True}),
    ("dilated", (2, 1, 7, 8), ((2, 3), 1, (1, 0), (2, 1)), {}),
    ("overlap-odd", (1, 2, 5, 5), (3, 1), {}),
    ("empty-batch", (0, 2, 4, 4), (2,), {}),
    ("unbatched", (2, 5, 6), (2,), {}),
]
for name, xs, args, kw in MAXPOOL:
    ROWS.append(Row(f"max_pool2d-{name}", lambda x, a=args, kw=kw: F.max_pool2d(x, *a, **kw),
                    lambda x, a=args, kw=kw: (np_max_pool(x, *a, **kw) if x.ndim == 4 else
                                              np_max_pool(x[None], *a, **kw)[0]),
                    lambda x, a=args, kw=kw: T().nn.functional.max_pool2d(x, *a, **kw),
                    (xs,), "distinct"))  # fmt: skip
ROWS += [
    Row("max_pool2d-channels-last", lambda x: F.max_pool2d(_cl(x), 2),
        lambda x: np_max_pool(_np_cl(x), 2), lambda x: T().nn.functional.max_pool2d(_cl(x), 2),
        ((2, 6, 4, 3),), "distinct"),
    Row("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1), lambda x: np_max_pool(x, 3, 2, 1),
        lambda x: T().nn.functional.max_pool1d(x, 3, 2, 1), ((2, 3, 9),), "distinct"),
]  # fmt: skip

AVGPOOL = [
    ("2x2", (2, 3, 6, 8), (2,), {}),
    ("pad-include", (2, 2, 7, 6), (3, 2, 1), {}),
    ("pad-exclude", (2, 2, 7, 6), (3, 2, 1), {"count_include_pad": False}),
    ("ceil-exclude", (1, 2, 7, 6), ((3, 2), (2, 3), (1, 0)),
     {"ceil_mode": True, "count_include_pad": False}),
    ("ceil-include", (1, 2, 7, 5), (3, 2, 1), {"ceil_mode": True}),
    ("divisor", (1, 2, 5, 6), (2, 2, 1), {"divisor_override": 3}),
    ("overlap", (1, 1, 5, 5), (3, 1), {}),
]  # fmt: skip
for name, xs, args, kw in AVGPOOL:
    ROWS.append(Row(f"avg_pool2d-{name}", lambda x, a=args, kw=kw: F.avg_pool2d(x, *a, **kw),
                    lambda x, a=args, kw=kw: np_avg_pool(x, *a, **kw),
                    lambda x, a=args, kw=kw: T().nn.functional.avg_pool2d(x, *a, **kw),
                    (xs,)))  # fmt: skip
ROWS += [
    Row("avg_pool2d-channels-last", lambda x: F.avg_pool2d(_cl(x), 3, 2, 1),
        lambda x: np_avg_pool(_np_cl(x), 3, 2, 1),
        lambda x: T().nn.functional.avg_pool2d(_cl(x), 3, 2, 1), ((2, 5, 6, 3),)),
    Row("avg_pool1d", lambda x: F.avg_pool1d(x, 2), lambda x: np_avg_pool(x, 2),
        lambda x: T().nn.functional.avg_pool1d(x, 2), ((2, 3, 9),)),
]  # fmt: skip


def np_adaptive(x, out):
    nd = len(out)
    y = np.zeros((*x.shape[:2], *out))
    for pos in itertools.product(*map(range, out)):
        sl = [slice(i * s // o, -(-(i + 1) * s // o)) for i, s, o in zip(pos, x.shape[2:], out)]
        y[(..., *pos)] = x[(..., *sl)].mean(axis=tuple(range(2, 2 + nd)))
    return y


for out, xs in [((1, 1), (2, 3, 5, 4)), ((3, 2), (2, 3, 6, 4)), ((4, 3), (1, 2, 7, 5))]:
    ROWS.append(
        Row(
            f"adaptive_avg_pool2d-{out}",
            lambda x, o=out: F.adaptive_avg_pool2d(x, o),
            lambda x, o=out: np_adaptive(x, o),
            lambda x, o=out: T().nn.functional.adaptive_avg_pool2d(x, o),
            (xs,),
        )
    )

# normalization: the op alone, and as the layers use it
ROWS += [
    Row("normalize", lambda x: apply(Normalize, x, axes=(0, 2)),
        lambda x: np_normalize(x, (0, 2)),
        lambda x: T().nn.functional.batch_norm(x, None, None, training=True), ((4, 3, 5),)),
    Row("batch_norm-train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: np_normalize(x, (0, 2, 3)) * w[:, None, None] + b[:, None, None],
        lambda x, w, b: T().nn.functional.batch_norm(x, None, None, w, b, training=True),
        ((3, 2, 4, 5), (2,), (2,))),
    Row("batch_norm-eval", lambda x, w, b: F.batch_norm(
            x, x.new_tensor([0.5, -1.0]), x.new_tensor([2.0, 0.25]), w, b, eps=0.1),
        lambda x, w, b: ((x - np.array([0.5, -1.0])[:, None]) / np.sqrt(
            np.array([2.0, 0.25])[:, None] + 0.1) * w[:, None] + b[:, None]),
        lambda x, w, b: T().nn.functional.batch_norm(
            x, T().tensor([0.5, -1.0], dtype=x.dtype), T().tensor([2.0, 0.25], dtype=x.dtype),
            w, b, eps=0.1),
        ((4, 2, 3), (2,), (2,))),
    Row("batch_norm1d-2d-input", lambda x: F.batch_norm(x, None, None, training=True),
        lambda x: np_normalize(x, (0,)),
        lambda x: T().nn.functional.batch_norm(x, None, None, training=True), ((5, 3),)),
    Row("layer_norm", lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
        lambda x, w, b: np_normalize(x, (1, 2)) * w + b,
        lambda x, w, b: T().nn.functional.layer_norm(x, (3, 4), w, b),
        ((2, 3, 4), (3, 4), (3, 4))),
    Row("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b),
        lambda x, w, b: (np_normalize(x.reshape(2, 2, -1), (2,)).reshape(x.shape)
                         * w[:, None] + b[:, None]),
        lambda x, w, b: T().nn.functional.group_norm(x, 2, w, b), ((2, 4, 3), (4,), (4,))),
]  # fmt: skip

IDX = np.array([[0, 3, 3, 1], [4, 0, 3, 3]])  # repeats: their gradients must add up
ROWS += [
    Row("embedding", lambda w: F.embedding(w.new_tensor(IDX, dtype=lg.int64), w), lambda w: w[IDX],
        lambda w: T().nn.functional.embedding(T().tensor(IDX), w), ((5, 3),)),
    Row("embedding-padding-freq",
        lambda w: F.embedding(w.new_tensor(IDX, dtype=lg.int64), w, padding_idx=3,
                              scale_grad_by_freq=True),
        lambda w: w[IDX],
        lambda w: T().nn.functional.embedding(T().tensor(IDX), w, padding_idx=3,
                                              scale_grad_by_freq=True), ((5, 3),),
        extra={"fd": False}),  # the options change the gradient only: not a derivative
]  # fmt: skip
