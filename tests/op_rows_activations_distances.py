"""Op-table rows for nn's hardsigmoid, hardswish, prelu, cosine_similarity and
pairwise_distance. Activation inputs are scaled by 4 so they reach past the kinks at ±3 (the
drawn values stay away from the kinks themselves)."""

from __future__ import annotations

import numpy as np
from op_table import Row

import likelygrad.nn.functional as F


def TF():
    import torch

    return torch.nn.functional


ROWS: list[Row] = []


def row(name, f, g, t, *shapes, domain="any", **extra):
    ROWS.append(Row(name, f, g, t, tuple(shapes), domain, extra))


def _hsig(x):
    return np.clip(x / 6 + 0.5, 0, 1)


for s in [(), (3, 4)]:
    row("hardsigmoid", lambda x: F.hardsigmoid(4 * x), lambda x: _hsig(4 * x),
        lambda x: TF().hardsigmoid(4 * x), s)  # fmt: skip
    row("hardswish", lambda x: F.hardswish(4 * x), lambda x: 4 * x * _hsig(4 * x),
        lambda x: TF().hardswish(4 * x), s)  # fmt: skip

for xs, ws in [((2, 3, 4), (3,)), ((2, 3), (1,)), ((5,), (1,)), ((2, 3, 2, 2), ())]:
    shape = [1] * len(xs)
    if len(xs) >= 2 and ws == (3,):
        shape[1] = 3

    def np_prelu(x, w, shape=tuple(shape)):
        return np.where(x > 0, x, np.reshape(w, shape) * x)

    row(f"prelu-w{ws}", lambda x, w: F.prelu(x, w), np_prelu, lambda x, w: TF().prelu(x, w),
        xs, ws, domain="away0")  # fmt: skip


def _cos(a, b, dim, eps=1e-8):
    a, b = np.broadcast_arrays(a, b)
    na = np.maximum(np.linalg.norm(a, axis=dim, keepdims=True), eps)
    nb = np.maximum(np.linalg.norm(b, axis=dim, keepdims=True), eps)
    return ((a / na) * (b / nb)).sum(dim)


for a, b, dim in [((4, 3), (4, 3), 1), ((2, 3, 4), (3, 4), -1), ((5,), (5,), 0), ((3, 1), (4,), 0)]:
    row(f"cosine_similarity[{dim}]", lambda x, y, d=dim: F.cosine_similarity(x, y, d),
        lambda x, y, d=dim: _cos(x, y, d),
        lambda x, y, d=dim: TF().cosine_similarity(x, y, d), a, b)  # fmt: skip

for p in [2.0, 1.0, 3.0]:
    for a, b, keep in [((4, 3), (4, 3), False), ((2, 4, 3), (3,), True), ((5,), (5,), False)]:
        row(f"pairwise_distance[{p},{keep}]",
            lambda x, y, p=p, k=keep: F.pairwise_distance(x, y, p, keepdim=k),
            lambda x, y, p=p, k=keep: (np.abs(x - y + 1e-6) ** p).sum(-1, keepdims=k) ** (1 / p),
            lambda x, y, p=p, k=keep: TF().pairwise_distance(x, y, p, keepdim=k),
            a, b, domain="any")  # fmt: skip
