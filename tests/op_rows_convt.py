"""Op-table rows of transposed convolution and max-unpooling.

The NumPy references are written from the definitions, position by position: a transposed
convolution scatters each input position's channels through the filters onto its output window
(then crops the padding), independently of the fold/unfold implementation; unpooling writes
values at flat positions of zero planes. Cases cover strides, paddings, output_padding (below
the stride, and below the dilation at stride 1), dilations, groups, depthwise, odd sizes, batch
1, an empty batch, unbatched inputs, 1-d and 3-d, and inputs stored channels-last.
"""

from __future__ import annotations

import itertools

import numpy as np
from op_table import Row, T

import likelygrad as lg

F = lg.nn.functional


def _tup(v, nd):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd


def np_conv_transpose(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1,
                      dilation=1):  # fmt: skip
    """y[n, c, p·s + k·d - pad] += Σ_o x[n, o, p] w[o, c, k], group by group."""
    nd = x.ndim - 2
    st, pd, op, dl = (_tup(v, nd) for v in (stride, padding, output_padding, dilation))
    k, size = w.shape[2:], x.shape[2:]
    full = [(s - 1) * a + d * (kk - 1) + 1 + o for s, a, d, kk, o in zip(size, st, dl, k, op)]
    ig, og = x.shape[1] // groups, w.shape[1]
    y = np.zeros((x.shape[0], og * groups, *full))
    for pos in itertools.product(*map(range, size)):
        for tap in itertools.product(*map(range, k)):
            at = tuple(p * a + t * d for p, a, t, d in zip(pos, st, tap, dl))
            for g in range(groups):
                xs = x[(slice(None), slice(g * ig, (g + 1) * ig), *pos)]  # (N, C_in/groups)
                ws = w[(slice(g * ig, (g + 1) * ig), slice(None), *tap)]  # (C_in/groups, C_out/g)
                y[(slice(None), slice(g * og, (g + 1) * og), *at)] += xs @ ws
    y = y[(..., *(slice(p, f - p) for p, f in zip(pd, full)))]
    return y if b is None else y + b.reshape(-1, *[1] * nd)


def _cl(x):
    """A channels-last (N, *S, C) array as the (N, C, *S) view a channels_last tensor is."""
    return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


ROWS: list[Row] = []

# (name, input, weight, bias?, kwargs)
CONVT = [
    ("basic", (2, 3, 5, 4), (3, 4, 3, 3), True, {}),
    ("stride2-pad1-outpad1", (2, 3, 4, 5), (3, 2, 3, 2), True,
     {"stride": 2, "padding": 1, "output_padding": 1}),
    ("stride2-k4", (2, 4, 3, 3), (4, 3, 4, 4), False, {"stride": 2, "padding": 1}),
    ("outpad-below-dilation", (1, 2, 4, 4), (2, 3, 3, 2), True,
     {"dilation": (3, 2), "output_padding": (2, 1)}),
    ("asym", (2, 3, 4, 5), (3, 2, 2, 3), True,
     {"stride": (3, 1), "padding": (1, 2), "output_padding": (2, 0), "dilation": (1, 2)}),
    ("groups2", (2, 4, 4, 3), (4, 3, 3, 3), True, {"groups": 2, "stride": 2}),
    ("depthwise", (1, 3, 4, 4), (3, 2, 3, 3), False, {"groups": 3, "padding": 1}),
    ("wide-channels", (2, 12, 3, 3), (12, 5, 2, 2), True, {"stride": 2}),
    ("batch1-big-pad", (1, 2, 5, 6), (2, 2, 5, 3), True, {"stride": 2, "padding": (4, 2)}),
    ("empty-batch", (0, 3, 4, 4), (3, 2, 3, 3), True, {"stride": 2}),
    ("unbatched", (3, 4, 5), (3, 2, 3, 3), True, {"stride": 2, "output_padding": 1}),
]  # fmt: skip
for name, xs, ws, bias, kw in CONVT:
    groups = kw.get("groups", 1)
    shapes = (xs, ws, (ws[1] * groups,)) if bias else (xs, ws)

    def np_fn(x, w, b=None, kw=kw):
        if x.ndim == 3:
            return np_conv_transpose(x[None], w, b, **kw)[0]
        return np_conv_transpose(x, w, b, **kw)

    ROWS.append(Row(f"conv_transpose2d-{name}", lambda *a, kw=kw: F.conv_transpose2d(*a, **kw),
                    np_fn, lambda *a, kw=kw: T().nn.functional.conv_transpose2d(*a, **kw),
                    shapes))  # fmt: skip

ROWS += [
    Row("conv_transpose2d-channels-last",
        lambda x, w, b: F.conv_transpose2d(_cl(x), w, b, stride=2, padding=1),
        lambda x, w, b: np_conv_transpose(np.moveaxis(x, -1, 1), w, b, stride=2, padding=1),
        lambda x, w, b: T().nn.functional.conv_transpose2d(_cl(x), w, b, stride=2, padding=1),
        ((2, 4, 3, 10), (10, 3, 3, 3), (3,))),
    Row("conv_transpose1d", lambda x, w, b: F.conv_transpose1d(x, w, b, 3, 2, 2, 1, 1),
        lambda x, w, b: np_conv_transpose(x, w, b, 3, 2, 2),
        lambda x, w, b: T().nn.functional.conv_transpose1d(x, w, b, 3, 2, 2, 1, 1),
        ((2, 3, 7), (3, 2, 4), (2,))),
    Row("conv_transpose1d-groups-dilation",
        lambda x, w: F.conv_transpose1d(x, w, groups=2, dilation=2),
        lambda x, w: np_conv_transpose(x, w, groups=2, dilation=2),
        lambda x, w: T().nn.functional.conv_transpose1d(x, w, groups=2, dilation=2),
        ((2, 4, 5), (4, 3, 3))),
    Row("conv_transpose3d", lambda x, w, b: F.conv_transpose3d(x, w, b, 2, 1, (1, 0, 1)),
        lambda x, w, b: np_conv_transpose(x, w, b, 2, 1, (1, 0, 1)),
        lambda x, w, b: T().nn.functional.conv_transpose3d(x, w, b, 2, 1, (1, 0, 1)),
        ((1, 2, 3, 4, 2), (2, 3, 2, 3, 2), (3,))),
]  # fmt: skip


# ---- max-unpooling ----------------------------------------------------------------------------


def np_unpool(x, idx, size):
    """zeros(N, C, *size) with x written at the flat per-plane positions idx (the last of
    values sent to one position stays)."""
    n, c = x.shape[:2]
    y = np.zeros((n, c, int(np.prod(size))))
    for i, j in itertools.product(range(n), range(c)):
        for pos, v in zip(idx[i, j].reshape(-1), x[i, j].reshape(-1)):
            y[i, j, pos] = v
    return y.reshape(n, c, *size)


def np_keep_max(x, kernel, stride, padding):
    """max_unpool(max_pool(x)): each window's largest element where it was, zeros elsewhere."""
    nd = x.ndim - 2
    k, s, p = _tup(kernel, nd), _tup(stride, nd), _tup(padding, nd)
    out = [(x.shape[2 + a] + 2 * p[a] - k[a]) // s[a] + 1 for a in range(nd)]
    y = np.zeros_like(x)
    for n, c in itertools.product(*map(range, x.shape[:2])):
        for pos in itertools.product(*map(range, out)):
            taps = [tuple(o * ss - pp + t for o, ss, pp, t in zip(pos, s, p, tap))
                    for tap in itertools.product(*map(range, k))]  # fmt: skip
            inside = [t for t in taps if all(0 <= i < x.shape[2 + a] for a, i in enumerate(t))]
            best = max(inside, key=lambda t: x[(n, c, *t)])
            y[(n, c, *best)] = x[(n, c, *best)]
    return y


def _unpool_row(name, nd, kernel, stride, padding, shape):
    """max_unpool of max_pool(x, return_indices=True): the usual pairing, on x itself."""
    pool = getattr(F, f"max_pool{nd}d")
    unpool = getattr(F, f"max_unpool{nd}d")

    def ours(x, pool=pool, unpool=unpool):
        y, idx = pool(x, kernel, stride, padding, return_indices=True)
        return unpool(y, idx, kernel, stride, padding, output_size=x.shape[-nd:])

    def torchs(x):
        tf = T().nn.functional
        y, idx = getattr(tf, f"max_pool{nd}d")(x, kernel, stride, padding, return_indices=True)
        return getattr(tf, f"max_unpool{nd}d")(y, idx, kernel, stride, padding,
                                               output_size=x.shape[-nd:])  # fmt: skip

    return Row(name, ours, lambda x: np_keep_max(x, kernel, stride, padding), torchs, (shape,),
               "distinct")  # fmt: skip


ROWS += [
    _unpool_row("max_unpool2d-of-pool-2x2", 2, 2, 2, 0, (2, 3, 6, 8)),
    _unpool_row("max_unpool2d-of-pool-odd-size", 2, 2, 2, 0, (1, 2, 5, 7)),
    _unpool_row("max_unpool2d-of-pool-3-s3-p1", 2, 3, 3, 1, (2, 2, 7, 6)),
    _unpool_row("max_unpool1d-of-pool", 1, 3, 3, 1, (2, 3, 10)),
]

# fixed indices, no position twice: the plain op, with an output_size above the default
PERM = np.random.default_rng(7).permutation(30)
IDX = np.stack([PERM[:6], PERM[6:12], PERM[12:18], PERM[18:24]]).reshape(2, 2, 2, 3)
ROWS += [
    Row("max_unpool2d-indices",
        lambda x: F.max_unpool2d(x, x.new_tensor(IDX, dtype=lg.int64), 2, output_size=(5, 6)),
        lambda x: np_unpool(x, IDX, (5, 6)),
        lambda x: T().nn.functional.max_unpool2d(x, T().tensor(IDX), 2, output_size=(5, 6)),
        ((2, 2, 2, 3),)),
    Row("max_unpool2d-unbatched",
        lambda x: F.max_unpool2d(x, x.new_tensor(IDX[0], dtype=lg.int64), 2, output_size=(5, 6)),
        lambda x: np_unpool(x[None], IDX[:1], (5, 6))[0],
        lambda x: T().nn.functional.max_unpool2d(x, T().tensor(IDX[0]), 2, output_size=(5, 6)),
        ((2, 2, 3),)),
]  # fmt: skip

# one position named twice (overlapping windows share a maximum): the last value stays, and
# torch's gradient reaches both, which is not the derivative: no finite-difference check
TWICE = np.array([[[1, 1, 4], [0, 2, 2]]])
ROWS.append(
    Row("max_unpool1d-repeated-index",
        lambda x: F.max_unpool1d(x, x.new_tensor(TWICE, dtype=lg.int64), 3, stride=1),
        lambda x: np_unpool(x, TWICE, (5,)),
        lambda x: T().nn.functional.max_unpool1d(x, T().tensor(TWICE), 3, stride=1),
        ((1, 2, 3),), extra={"fd": False})
)  # fmt: skip
