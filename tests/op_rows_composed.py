"""Op-table rows for torch functions composed from other tensor methods: var_mean/std_mean,
nansum/nanmean, addcmul/addcdiv, addmm, logit, xlogy, take, broadcast_tensors.

Functions that return a pair (var_mean) are checked through one tensor built from both, so both
gradients are compared. Rows with nan or zero inputs add a constant pattern to the drawn ones.
"""

from __future__ import annotations

import numpy as np
from op_table import Row

import likelygrad as lg


def T():  # torch, imported lazily
    import torch

    return torch


def tt(a):  # a NumPy constant as a torch tensor
    return T().tensor(a)


ROWS: list[Row] = []


def row(name, f, g, t, *shapes, domain="any", **extra):
    ROWS.append(Row(name, f, g, t, tuple(shapes), domain, extra))


# ---- var_mean, std_mean -----------------------------------------------------------------------
for dim, keep, corr in [(None, False, 1), (1, True, 0), ((0, 2), False, 1), (-1, False, 2)]:
    kw = {"dim": dim, "keepdim": keep, "correction": corr}
    nkw = {"axis": dim if dim is None else dim, "keepdims": keep}

    def np_var(x, nkw=nkw, corr=corr):
        n = x.size // np.mean(x, **nkw).size
        return ((x - x.mean(axis=nkw["axis"], keepdims=True)) ** 2).sum(**nkw) / (n - corr)

    row(f"var_mean[{dim},{keep},{corr}]", lambda x, kw=kw: lg.stack(lg.var_mean(x, **kw)),
        lambda x, nkw=nkw, v=np_var: np.stack([v(x), np.mean(x, **nkw)]),
        lambda x, kw=kw: T().stack(T().var_mean(x, **kw)), (2, 3, 4))  # fmt: skip
    row(f"std_mean[{dim},{keep},{corr}]", lambda x, kw=kw: lg.stack(lg.std_mean(x, **kw)),
        lambda x, nkw=nkw, v=np_var: np.stack([np.sqrt(v(x)), np.mean(x, **nkw)]),
        lambda x, kw=kw: T().stack(T().std_mean(x, **kw)), (2, 3, 4))  # fmt: skip
row("var_mean-unbiased-positional", lambda x: lg.stack(lg.var_mean(x, 0, False)),
    lambda x: np.stack([x.var(0), x.mean(0)]),
    lambda x: T().stack(T().var_mean(x, 0, False)), (3, 4))  # fmt: skip
row("std_mean-unbiased-only", lambda x: lg.stack(lg.std_mean(x, False)),
    lambda x: np.stack([x.std(), x.mean()]), lambda x: T().stack(T().std_mean(x, False)),
    (3, 4))  # fmt: skip

# ---- nansum, nanmean: nan at a few positions, a slice of nan only in row 2 ---------------------
NANS = np.array([[np.nan, 0, 0, 0], [0, np.nan, np.nan, 0], [np.nan] * 4])
for dim, keep in [(None, False), (0, False), (1, True), ((0, 1), True)]:
    kw = {"dim": dim, "keepdim": keep}
    nkw = {"axis": dim, "keepdims": keep}
    row(f"nansum[{dim},{keep}]", lambda x, kw=kw: (x + x.new_tensor(NANS)).nansum(**kw),
        lambda x, nkw=nkw: np.nansum(x + NANS, **nkw),
        lambda x, kw=kw: T().nansum(x + tt(NANS), **kw), (3, 4))  # fmt: skip
    if dim != 0:  # along dim 0 every column keeps a number; row 2 is all nan along dim 1
        row(f"nanmean[{dim},{keep}]", lambda x, kw=kw: lg.nanmean(x + x.new_tensor(NANS), **kw),
            lambda x, nkw=nkw: _nanmean(x + NANS, **nkw),
            lambda x, kw=kw: (x + tt(NANS)).nanmean(**kw), (3, 4))  # fmt: skip
row("nanmean[0]", lambda x: (x + x.new_tensor(NANS)).nanmean(0),
    lambda x: np.nanmean(x + NANS, 0), lambda x: (x + tt(NANS)).nanmean(0), (3, 4))  # fmt: skip


def _nanmean(x, axis=None, keepdims=False):  # NumPy's, without its all-nan warning
    keep = ~np.isnan(x)
    return np.where(keep, x, 0).sum(axis, keepdims=keepdims) / keep.sum(axis, keepdims=keepdims)


# ---- fused multiply-adds ---------------------------------------------------------------------
for a, b, c in [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((), (2, 3), (3,))]:
    row("addcmul", lambda x, y, z: lg.addcmul(x, y, z), lambda x, y, z: x + y * z,
        lambda x, y, z: T().addcmul(x, y, z), a, b, c)  # fmt: skip
    row("addcmul-value", lambda x, y, z: x.addcmul(y, z, value=-0.5),
        lambda x, y, z: x - 0.5 * y * z, lambda x, y, z: x.addcmul(y, z, value=-0.5),
        a, b, c)  # fmt: skip
    row("addcdiv-value", lambda x, y, z: lg.addcdiv(x, y, z, value=2.0),
        lambda x, y, z: x + 2.0 * y / z, lambda x, y, z: T().addcdiv(x, y, z, value=2.0),
        a, b, c, domain="away0")  # fmt: skip
row("addcmul_", lambda x, y, z: (x * 1).addcmul_(y, z, value=3.0), lambda x, y, z: x + 3 * y * z,
    lambda x, y, z: (x * 1).addcmul_(y, z, value=3.0), (3, 4), (3, 4), (4,))  # fmt: skip
row("addcdiv_", lambda x, y, z: (x * 1).addcdiv_(y, z), lambda x, y, z: x + y / z,
    lambda x, y, z: (x * 1).addcdiv_(y, z), (3, 4), (3, 1), (4,), domain="away0")  # fmt: skip

for bias in [(3, 5), (5,), (1, 5), ()]:
    row("addmm", lambda b, m1, m2: lg.addmm(b, m1, m2), lambda b, m1, m2: b + m1 @ m2,
        lambda b, m1, m2: T().addmm(b, m1, m2), bias, (3, 4), (4, 5))  # fmt: skip
row("addmm-beta-alpha", lambda b, m1, m2: b.addmm(m1, m2, beta=0.5, alpha=-2.0),
    lambda b, m1, m2: 0.5 * b - 2.0 * (m1 @ m2),
    lambda b, m1, m2: b.addmm(m1, m2, beta=0.5, alpha=-2.0), (3, 5), (3, 4), (4, 5))  # fmt: skip
row("addmm-beta0", lambda b, m1, m2: lg.addmm(b, m1, m2, beta=0), lambda b, m1, m2: m1 @ m2,
    lambda b, m1, m2: T().addmm(b, m1, m2, beta=0), (3, 5), (3, 4), (4, 5))  # fmt: skip
row("addmm_", lambda b, m1, m2: (b * 1).addmm_(m1, m2, alpha=0.5),
    lambda b, m1, m2: b + 0.5 * (m1 @ m2), lambda b, m1, m2: (b * 1).addmm_(m1, m2, alpha=0.5),
    (3, 5), (3, 4), (4, 5))  # fmt: skip

# ---- logit, xlogy ------------------------------------------------------------------------------
# the drawn x is squashed into (0, 1) by sigmoid; with eps=0.2 some values fall outside [0.2, 0.8]
row("logit", lambda x: x.sigmoid().logit(), lambda x: x, lambda x: x.sigmoid().logit(), (3, 4))
row("logit-eps", lambda x: lg.logit((2 * x).sigmoid(), eps=0.2),
    lambda x: _logit(np.clip(1 / (1 + np.exp(-2 * x)), 0.2, 0.8)),
    lambda x: T().logit((2 * x).sigmoid(), eps=0.2), (3, 4))  # fmt: skip
ZMASK = np.array([[0.0, 1, 1, 0], [1, 1, 0, 1], [1, 1, 1, 1]])
row("xlogy", lambda x, y: lg.xlogy(x, y), lambda x, y: x * np.log(y),
    lambda x, y: T().xlogy(x, y), (3, 4), (4,), domain="pos")  # fmt: skip
row("xlogy-zeros", lambda x, y: (x * x.new_tensor(ZMASK)).xlogy(y),
    lambda x, y: np.where(ZMASK == 0, 0.0, x * ZMASK * np.log(y)),
    lambda x, y: (x * tt(ZMASK)).xlogy(y), (3, 4), (3, 4), domain="pos")  # fmt: skip
row("xlogy-scalar", lambda y: lg.xlogy(2.0, y), lambda y: 2 * np.log(y),
    lambda y: T().xlogy(2.0, y), (5,), domain="pos")  # fmt: skip


def _logit(p):
    return np.log(p / (1 - p))


# ---- take, broadcast_tensors -----------------------------------------------------------------
TAKE = np.array([[0, 5, -1], [5, 2, 0]])  # repeated positions accumulate their gradients
row("take", lambda x: lg.take(x, lg.tensor(TAKE)), lambda x: x.reshape(-1)[TAKE],
    lambda x: T().take(x, tt(TAKE)), (2, 3))  # fmt: skip
row("take-0d-index", lambda x: x.take(lg.tensor(4)), lambda x: x.reshape(-1)[4],
    lambda x: x.take(tt(4)), (2, 3, 4))  # fmt: skip
row("broadcast_tensors", lambda x, y: lg.stack(lg.broadcast_tensors(x, y)).sum(0) * 1,
    lambda x, y: np.stack(np.broadcast_arrays(x, y)).sum(0),
    lambda x, y: T().stack(T().broadcast_tensors(x, y)).sum(0), (3, 1), (4,))  # fmt: skip
