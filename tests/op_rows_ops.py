"""Op-table rows for the Tensor's math, shape and indexing surface: trigonometry, products and
running sums, norms, einsum, sorting, diagonals and triangles, scatters.

Each row runs five ways (tests/test_ops.py): forward against NumPy, a float64 gradcheck,
float32 kept, against torch.autograd, and on array_api_strict. Where an op has a special case
in its VJP (a zero in a product, a nan replaced, a diagonal in an einsum), a row builds inputs
that reach it from the drawn ones (e.g. multiplying by a mask with zeros).
"""

from __future__ import annotations

import math

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


# ---- trigonometric and hyperbolic functions ----------------------------------------------------
# asin, acos, atanh need |x| < 1 and acosh x > 1: the rows squash or shift the drawn inputs.
for name, ours, ref, theirs, dom in [
    ("tan", lambda x: x.tan(), np.tan, lambda x: x.tan(), "any"),
    ("asin", lambda x: (0.9 * x.tanh()).asin(), lambda x: np.arcsin(0.9 * np.tanh(x)),
     lambda x: (0.9 * x.tanh()).asin(), "any"),
    ("acos", lambda x: (0.9 * x.tanh()).acos(), lambda x: np.arccos(0.9 * np.tanh(x)),
     lambda x: (0.9 * x.tanh()).acos(), "any"),
    ("atan", lambda x: x.atan(), np.arctan, lambda x: x.atan(), "any"),
    ("sinh", lambda x: x.sinh(), np.sinh, lambda x: x.sinh(), "any"),
    ("cosh", lambda x: x.cosh(), np.cosh, lambda x: x.cosh(), "any"),
    ("asinh", lambda x: x.asinh(), np.arcsinh, lambda x: x.asinh(), "any"),
    ("acosh", lambda x: (x + 1).acosh(), lambda x: np.arccosh(x + 1), lambda x: (x + 1).acosh(),
     "pos"),
    ("atanh", lambda x: (0.9 * x.tanh()).atanh(), lambda x: np.arctanh(0.9 * np.tanh(x)),
     lambda x: (0.9 * x.tanh()).atanh(), "any"),
    ("exp2", lambda x: lg.exp2(x), np.exp2, lambda x: T().exp2(x), "any"),
]:  # fmt: skip
    for s in [(), (3, 4)]:
        row(name, ours, ref, theirs, s, domain=dom)

for a, b in [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (2, 3))]:
    row("atan2", lambda y, x: lg.atan2(y, x), np.arctan2, lambda y, x: T().atan2(y, x), a, b)
    row("hypot", lambda x, y: lg.hypot(x, y), np.hypot, lambda x, y: T().hypot(x, y), a, b)


def _lerp_np(a, b, w):
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


row("lerp", lambda a, b, w: a.lerp(b, w), _lerp_np, lambda a, b, w: a.lerp(b, w),
    (3, 4), (3, 4), (3, 4))  # fmt: skip
row("lerp-bcast", lambda a, b, w: lg.lerp(a, b, w), _lerp_np, lambda a, b, w: T().lerp(a, b, w),
    (3, 4), (4,), (3, 1))  # fmt: skip
row("lerp-scalar", lambda a, b: a.lerp(b, 0.75), lambda a, b: _lerp_np(a, b, 0.75),
    lambda a, b: a.lerp(b, 0.75), (5,), (5,))  # fmt: skip

NONFINITE = np.array([[np.nan, 0, np.inf], [0, -np.inf, 0]])
row("nan_to_num", lambda x: (x + x.new_tensor(NONFINITE)).nan_to_num(),
    lambda x: np.nan_to_num(x + NONFINITE), lambda x: (x + tt(NONFINITE)).nan_to_num(),
    (2, 3), fd=False)  # fmt: skip
row("nan_to_num-values", lambda x: lg.nan_to_num(x + x.new_tensor(NONFINITE), 1.0,
    2.0, -3.0), lambda x: np.nan_to_num(x + NONFINITE, nan=1.0, posinf=2.0, neginf=-3.0),
    lambda x: T().nan_to_num(x + tt(NONFINITE), 1.0, 2.0, -3.0), (2, 3))  # fmt: skip

# ---- products and running sums -------------------------------------------------------------
# ZEROS puts one zero in row 0 and two in row 1 of a (2, 4) input: the product's VJP must give
# the zero's slope (the product of the others) and 0 where two zeros meet.
ZEROS = np.array([[1.0, 0, 1, 1], [0, 1, 0, 1]])
for dim in [None, 0, 1, -1]:
    kw = {} if dim is None else {"dim": dim}
    nkw = {} if dim is None else {"axis": dim}
    row(f"prod[{dim}]", lambda x, kw=kw: x.prod(**kw), lambda x, nkw=nkw: np.prod(x, **nkw),
        lambda x, kw=kw: x.prod(**kw), (2, 4))  # fmt: skip
    row(f"prod-zeros[{dim}]", lambda x, kw=kw: (x * x.new_tensor(ZEROS)).prod(**kw),
        lambda x, nkw=nkw: np.prod(x * ZEROS, **nkw),
        lambda x, kw=kw: (x * tt(ZEROS)).prod(**kw), (2, 4))  # fmt: skip
row("prod-keepdim", lambda x: lg.prod(x, 1, keepdim=True), lambda x: x.prod(1, keepdims=True),
    lambda x: T().prod(x, 1, keepdim=True), (2, 3, 4))  # fmt: skip
row("prod-0d", lambda x: x.prod(), lambda x: x, lambda x: x.prod(), ())

for dim in [0, 1, -1]:
    row(f"cumsum[{dim}]", lambda x, d=dim: x.cumsum(d), lambda x, d=dim: np.cumsum(x, d),
        lambda x, d=dim: x.cumsum(d), (3, 4))  # fmt: skip
    row(f"cumprod[{dim}]", lambda x, d=dim: lg.cumprod(x, d), lambda x, d=dim: np.cumprod(x, d),
        lambda x, d=dim: T().cumprod(x, d), (3, 4))  # fmt: skip
row("cumprod-zeros", lambda x: (x * x.new_tensor(ZEROS)).cumprod(1),
    lambda x: np.cumprod(x * ZEROS, 1), lambda x: (x * tt(ZEROS)).cumprod(1), (2, 4))  # fmt: skip
row("cumsum-0d", lambda x: x.cumsum(0), lambda x: x, lambda x: x.cumsum(0), ())
row("cumprod-0d", lambda x: x.cumprod(0), lambda x: x, lambda x: x.cumprod(0), ())

# ---- norms ------------------------------------------------------------------------------------


def _vnorm(x, p, axis=None, keepdims=False):
    a = np.abs(x)
    if p == math.inf:
        return a.max(axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return a.min(axis=axis, keepdims=keepdims)
    if p == 0:
        return (x != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype)
    return (a**p).sum(axis=axis, keepdims=keepdims) ** (1 / p)


for p, dom in [(2, "any"), (1, "away0"), (math.inf, "distinct"), (-math.inf, "distinct"),
               (3, "away0"), (0.5, "away0")]:  # fmt: skip
    for dim, keep in [(None, False), (1, False), ((0, 2), True)]:
        row(f"vector_norm[{p},{dim},{keep}]",
            lambda x, p=p, d=dim, k=keep: lg.linalg.vector_norm(x, p, d, k),
            lambda x, p=p, d=dim, k=keep: _vnorm(x, p, d, k),
            lambda x, p=p, d=dim, k=keep: T().linalg.vector_norm(x, p, d, k),
            (2, 3, 4), domain=dom)  # fmt: skip
row("norm-method", lambda x: x.norm(), lambda x: np.sqrt((x * x).sum()), lambda x: x.norm(), (3, 4))
row("norm-p1-dim", lambda x: lg.norm(x, 1, 1), lambda x: np.abs(x).sum(1),
    lambda x: T().norm(x, 1, 1), (3, 4), domain="away0")  # fmt: skip
row("linalg.norm-vec", lambda x: lg.linalg.norm(x), lambda x: np.linalg.norm(x.reshape(-1)),
    lambda x: T().linalg.norm(x), (2, 3, 4))  # fmt: skip

for ord_, dom in [("fro", "any"), ("nuc", "any"), (2, "any"), (-2, "any"), (1, "distinct"),
                  (-1, "distinct"), (math.inf, "distinct"), (-math.inf, "distinct")]:  # fmt: skip
    row(f"matrix_norm[{ord_}]", lambda x, o=ord_: lg.linalg.matrix_norm(x, o),
        lambda x, o=ord_: np.linalg.norm(x, o, axis=(-2, -1)),
        lambda x, o=ord_: T().linalg.matrix_norm(x, o), (2, 3, 4), domain=dom)  # fmt: skip
row("svdvals", lambda x: lg.linalg.svdvals(x), lambda x: np.linalg.svd(x, compute_uv=False),
    lambda x: T().linalg.svdvals(x), (2, 3, 4))  # fmt: skip
row("linalg.norm-mat", lambda x: lg.linalg.norm(x, "nuc", (2, 0), keepdim=True),
    lambda x: np.linalg.norm(x, "nuc", axis=(2, 0), keepdims=True),
    lambda x: T().linalg.norm(x, "nuc", (2, 0), keepdim=True), (4, 2, 3))  # fmt: skip

# ---- einsum: the VJP of an einsum is an einsum ---------------------------------------------
EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,j", [(3,), (4,)]),  # implicit output: an outer product
    ("ii", [(3, 3)]),  # trace
    ("ii->i", [(3, 3)]),  # diagonal
    ("iij->j", [(3, 3, 2)]),
    ("iji->j", [(3, 2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("...ij,...jk", [(2, 3, 4), (4, 5)]),
    ("i...,i...->...", [(2, 3), (2, 4, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
    ("ijk,k", [(2, 3, 4), (4,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),  # size 1 broadcasts, as in torch
    ("bA,Ab->b", [(2, 3), (3, 2)]),
    ("ii,jj", [(2, 2), (3, 3)]),
    (",i->i", [(), (3,)]),
]
for eq, shapes in EINSUM:
    row(f"einsum[{eq}]", lambda *xs, eq=eq: lg.einsum(eq, *xs),
        lambda *xs, eq=eq: np.einsum(eq, *xs), lambda *xs, eq=eq: T().einsum(eq, *xs),
        *shapes)  # fmt: skip
row("einsum-sublist", lambda a, b: lg.einsum(a, [0, 1], b, [1, 2], [0, 2]),
    lambda a, b: a @ b, lambda a, b: T().einsum(a, [0, 1], b, [1, 2], [0, 2]),
    (2, 3), (3, 4))  # fmt: skip
row("einsum-ellipsis-sum", lambda x: lg.einsum("...i->i", x), lambda x: x.sum((0, 1)),
    lambda x: T().einsum("...i->i", x), (2, 3, 4))  # fmt: skip
row("outer", lambda a, b: a.outer(b), np.outer, lambda a, b: a.outer(b), (3,), (4,))

# ---- sorting and order statistics (values are gathered: their VJP scatters back) ----------
for dim, desc in [(-1, False), (0, True)]:
    row(f"sort[{dim},{desc}]", lambda x, d=dim, s=desc: x.sort(d, s).values,
        lambda x, d=dim, s=desc: np.flip(np.sort(x, d), d) if s else np.sort(x, d),
        lambda x, d=dim, s=desc: x.sort(d, s).values, (3, 4), domain="distinct")  # fmt: skip
row("topk", lambda x: x.topk(2, 1).values, lambda x: -np.sort(-x, 1)[:, :2],
    lambda x: x.topk(2, 1).values, (3, 4), domain="distinct")  # fmt: skip
row("topk-smallest", lambda x: lg.topk(x, 3, 0, largest=False).values,
    lambda x: np.sort(x, 0)[:3], lambda x: T().topk(x, 3, 0, largest=False).values, (4, 2),
    domain="distinct")  # fmt: skip
row("msort", lambda x: lg.msort(x), lambda x: np.sort(x, 0), lambda x: T().msort(x), (3, 2),
    domain="distinct")  # fmt: skip
row("kthvalue", lambda x: x.kthvalue(2, 1).values, lambda x: np.sort(x, 1)[:, 1],
    lambda x: x.kthvalue(2, 1).values, (3, 4), domain="distinct")  # fmt: skip
row("median-dim", lambda x: x.median(0).values, lambda x: np.sort(x, 0)[1],
    lambda x: x.median(0).values, (4, 3), domain="distinct")  # fmt: skip
row("median", lambda x: x.median(), lambda x: np.sort(x.reshape(-1))[5],
    lambda x: x.median(), (3, 4), domain="distinct")  # fmt: skip

# ---- shapes: roll, diagonals, triangles ----------------------------------------------------
row("roll", lambda x: x.roll(1, 1), lambda x: np.roll(x, 1, 1), lambda x: x.roll(1, 1), (3, 4))
row("roll-dims", lambda x: lg.roll(x, (2, -1), (0, 2)), lambda x: np.roll(x, (2, -1), (0, 2)),
    lambda x: T().roll(x, (2, -1), (0, 2)), (2, 3, 4))  # fmt: skip
row("roll-flat", lambda x: x.roll(5), lambda x: np.roll(x, 5), lambda x: x.roll(5), (3, 4))
for off, d1, d2 in [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (1, 2, 0), (-2, 1, 2)]:
    row(f"diagonal[{off},{d1},{d2}]", lambda x, o=off, a=d1, b=d2: x.diagonal(o, a, b) * 2,
        lambda x, o=off, a=d1, b=d2: np.diagonal(x, o, a, b) * 2,
        lambda x, o=off, a=d1, b=d2: x.diagonal(o, a, b) * 2, (3, 4, 3))  # fmt: skip
row("diag-2d", lambda x: x.diag(1), lambda x: np.diag(x, 1), lambda x: x.diag(1), (3, 4))
row("diag-1d", lambda x: lg.diag(x, -1), lambda x: np.diag(x, -1), lambda x: T().diag(x, -1),
    (3,))  # fmt: skip
row("diag_embed", lambda x: x.diag_embed(), lambda x: x[..., None] * np.eye(3),
    lambda x: x.diag_embed(), (2, 3))  # fmt: skip
row("trace", lambda x: x.trace(), np.trace, lambda x: x.trace(), (3, 4))
row("tril", lambda x: x.tril(), np.tril, lambda x: x.tril(), (2, 3, 4))
row("triu-1", lambda x: lg.triu(x, 1), lambda x: np.triu(x, 1), lambda x: T().triu(x, 1), (4, 3))
row("tril--1", lambda x: x.tril(-1), lambda x: np.tril(x, -1), lambda x: x.tril(-1), (3, 3))
row("repeat_interleave", lambda x: x.repeat_interleave(2, 0),
    lambda x: np.repeat(x, 2, 0), lambda x: x.repeat_interleave(2, 0), (2, 3))  # fmt: skip
row("repeat_interleave-counts", lambda x: x.repeat_interleave(lg.tensor([1, 0, 3]), 1),
    lambda x: np.repeat(x, [1, 0, 3], 1), lambda x: x.repeat_interleave(tt([1, 0, 3]), 1),
    (2, 3))  # fmt: skip
row("repeat_interleave-flat", lambda x: lg.repeat_interleave(x, 2), lambda x: np.repeat(x, 2),
    lambda x: T().repeat_interleave(x, 2), (2, 2))  # fmt: skip
row("meshgrid", lambda x, y: lg.stack(lg.meshgrid(x, y, indexing="xy")),
    lambda x, y: np.stack(np.meshgrid(x, y, indexing="xy")),
    lambda x, y: T().stack(T().meshgrid(x, y, indexing="xy")), (3,), (4,))  # fmt: skip

# ---- scatters ----------------------------------------------------------------------------------
IDX = np.array([[2, 0, 1, 2], [0, 1, 0, 0]])  # (2, 4) positions along dim 0 of a (3, 4)
UNIQ = np.array([[2, 0, 1], [0, 1, 0]])  # no column names a row twice: scatter is well-defined


def _scatter_np(x, dim, idx, src):
    out = x.copy()
    np.put_along_axis(out, idx, src[tuple(slice(0, n) for n in idx.shape)], dim)
    return out


def _reduce_np(x, idx, src, reduce, include_self):
    """scatter_reduce along dim 0, element by element."""
    out = x.copy()
    groups: dict[tuple[int, int], list[float]] = {}
    for (i, j), k in np.ndenumerate(idx):
        groups.setdefault((k, j), []).append(src[i, j])
    for (k, j), vals in groups.items():
        vals = ([x[k, j]] if include_self else []) + vals
        fn = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}
        out[k, j] = fn[reduce](vals)
    return out


row("scatter", lambda x, s: x.scatter(0, lg.tensor(UNIQ), s),
    lambda x, s: _scatter_np(x, 0, UNIQ, s), lambda x, s: x.scatter(0, tt(UNIQ), s),
    (3, 3), (2, 3))  # fmt: skip
# src larger than the index: only its leading block is read (torch's own VJP returns a
# gradient of the index's shape here and fails, so the torch twin slices src first)
row("scatter-larger-src", lambda x, s: x.scatter(0, lg.tensor(UNIQ), s),
    lambda x, s: _scatter_np(x, 0, UNIQ, s), lambda x, s: x.scatter(0, tt(UNIQ), s[:2, :3]),
    (3, 3), (3, 4))  # fmt: skip
row("scatter-dim1", lambda x, s: lg.scatter(x, 1, lg.tensor(UNIQ.T[:, :2]), s),
    lambda x, s: _scatter_np(x, 1, UNIQ.T[:, :2], s),
    lambda x, s: T().scatter(x, 1, tt(UNIQ.T[:, :2]), s), (3, 3), (3, 2))  # fmt: skip
row("scatter-value", lambda x: x.scatter(0, lg.tensor(UNIQ), 5.0),
    lambda x: _scatter_np(x, 0, UNIQ, np.full((2, 3), 5.0)),
    lambda x: x.scatter(0, tt(UNIQ), 5.0), (3, 3))  # fmt: skip
row("scatter_add", lambda x, s: x.scatter_add(0, lg.tensor(IDX), s),
    lambda x, s: _reduce_np(x, IDX, s, "sum", True), lambda x, s: x.scatter_add(0, tt(IDX), s),
    (3, 4), (2, 4))  # fmt: skip
for reduce in ["sum", "prod", "mean", "amax", "amin"]:
    for include_self in [True, False]:
        row(f"scatter_reduce[{reduce},{include_self}]",
            lambda x, s, r=reduce, i=include_self: x.scatter_reduce(
                0, lg.tensor(IDX), s, r, include_self=i),
            lambda x, s, r=reduce, i=include_self: _reduce_np(x, IDX, s, r, i),
            lambda x, s, r=reduce, i=include_self: x.scatter_reduce(
                0, tt(IDX), s, r, include_self=i),
            (3, 4), (2, 4), domain="distinct")  # fmt: skip
ZS = np.array([[0.0, 1, 1, 0], [1, 1, 0, 0]])  # zeros among src: one or two per position
row("scatter_reduce-prod-zeros",
    lambda x, s: x.scatter_reduce(0, lg.tensor(IDX), s * s.new_tensor(ZS), "prod"),
    lambda x, s: _reduce_np(x, IDX, s * ZS, "prod", True),
    lambda x, s: x.scatter_reduce(0, tt(IDX), s * tt(ZS), "prod"), (3, 4), (2, 4))  # fmt: skip
row("scatter-reduce-add", lambda x, s: x.scatter(0, lg.tensor(IDX), s, reduce="add"),
    lambda x, s: _reduce_np(x, IDX, s, "sum", True),
    lambda x, s: x.scatter_add(0, tt(IDX), s), (3, 4), (2, 4))  # fmt: skip
row("index_add", lambda x, s: x.index_add(1, lg.tensor([0, 2, 0]), s, alpha=2.0),
    lambda x, s: x + 2 * np.stack([s[:, 0] + s[:, 2], 0 * s[:, 1], s[:, 1]], 1),
    lambda x, s: x.index_add(1, tt([0, 2, 0]), s, alpha=2.0), (2, 3), (2, 3))  # fmt: skip
row("index_fill", lambda x: x.index_fill(0, lg.tensor([2, 0, 2]), -1.5),
    lambda x: np.where(np.arange(3)[:, None] != 1, -1.5, x),
    lambda x: x.index_fill(0, tt([2, 0, 2]), -1.5), (3, 2))  # fmt: skip
row("index_fill-tensor", lambda x, v: x.index_fill(1, lg.tensor([1]), v.sum()),
    lambda x, v: np.where(np.arange(3) == 1, v.sum(), x),
    lambda x, v: x.index_fill(1, tt([1]), v.sum()), (2, 3), (2,))  # fmt: skip
row("index_put", lambda x, v: x.index_put((lg.tensor([0, 2]), lg.tensor([1, 1])), v),
    lambda x, v: _put_np(x, v, False),
    lambda x, v: x.index_put((tt([0, 2]), tt([1, 1])), v), (3, 3), (2,))  # fmt: skip
row("index_put-acc", lambda x, v: lg.index_put(x, (lg.tensor([0, 0]),), v, accumulate=True),
    lambda x, v: _put_np(x, v, True),
    lambda x, v: T().index_put(x, (tt([0, 0]),), v, accumulate=True), (3, 3), (3,))  # fmt: skip
MASK = np.array([[True, False, True], [False, True, True]])
row("masked_scatter", lambda x, s: x.masked_scatter(lg.tensor(MASK), s),
    lambda x, s: _masked_scatter_np(x, s), lambda x, s: x.masked_scatter(tt(MASK), s),
    (2, 3), (2, 3))  # fmt: skip


def _put_np(x, v, accumulate):
    out = x.copy()
    if accumulate:
        np.add.at(out, (np.array([0, 0]),), v)
    else:
        out[np.array([0, 2]), np.array([1, 1])] = v
    return out


def _masked_scatter_np(x, s):
    out = x.copy()
    out[MASK] = s.reshape(-1)[: MASK.sum()]
    return out
