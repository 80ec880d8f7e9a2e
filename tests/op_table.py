"""The op table every test reads: one row per op and shape case.

A row names the op, a likelygrad function, the same computation in NumPy (the forward reference)
and in PyTorch (the gradient reference where torch is installed), the input shapes and the
domain to draw inputs from (kept away from kinks such as relu at 0 or ties in max).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import likelygrad as lg
from likelygrad import ops
from likelygrad.dispatch import apply


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _lse(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@dataclass
class Row:
    name: str
    lg_fn: Callable
    np_fn: Callable
    torch_fn: Callable | None
    shapes: tuple
    domain: str = "any"  # any | pos | away0 | distinct
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.name}-{'-'.join(str(s) for s in self.shapes)}"


def draw(shape: tuple, domain: str, rng: np.random.Generator) -> np.ndarray:
    """Inputs for a row, float64, away from points where the op is not differentiable."""
    x = rng.standard_normal(shape)
    if domain == "pos":
        return np.abs(x) + 0.5
    if domain == "away0":
        return np.sign(x) * (np.abs(x) + 0.2)
    if domain == "distinct":  # a shuffled grid: no ties, gaps of 0.1 ≫ eps
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.1 - n * 0.05 + rng.uniform(0.01, 0.09)).reshape(shape)
    return x


GIDX = np.array([[[0, 1, 2, 0], [2, 2, 1, 0]], [[1, 0, 0, 2], [0, 0, 0, 1]]])


def _setitem(x):  # y = 2x with a slice overwritten by x² (both branches carry gradients)
    y = x * 2
    y[:, 1] = x[:, 1] ** 2
    return y


def _setitem_np(x):
    y = x * 2
    y[:, 1] = x[:, 1] ** 2
    return y


def T():  # torch, imported lazily: rows are built without it
    import torch

    return torch


ROWS: list[Row] = []
UNARY_SHAPES = [(), (5,), (3, 4), (2, 3, 4)]
UNARY = [
    ("neg", lambda x: -x, lambda x: -x, lambda x: -x, "any"),
    ("exp", lambda x: x.exp(), np.exp, lambda x: x.exp(), "any"),
    ("log", lambda x: x.log(), np.log, lambda x: x.log(), "pos"),
    ("sqrt", lambda x: x.sqrt(), np.sqrt, lambda x: x.sqrt(), "pos"),
    ("abs", lambda x: x.abs(), np.abs, lambda x: x.abs(), "away0"),
    ("sigmoid", lambda x: x.sigmoid(), _sig, lambda x: x.sigmoid(), "any"),
    ("tanh", lambda x: x.tanh(), np.tanh, lambda x: x.tanh(), "any"),
    ("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), lambda x: x.relu(), "away0"),
    (
        "softplus",
        lambda x: x.softplus(),
        lambda x: np.logaddexp(0, x),
        lambda x: T().nn.functional.softplus(x),
        "any",
    ),
    (
        "log_sigmoid",
        lambda x: x.log_sigmoid(),
        lambda x: -np.logaddexp(0, -x),
        lambda x: T().nn.functional.logsigmoid(x),
        "any",
    ),
    ("square", lambda x: x**2, lambda x: x**2, lambda x: x**2, "any"),
    ("pow1.5", lambda x: x**1.5, lambda x: x**1.5, lambda x: x**1.5, "pos"),
    ("rpow", lambda x: 2.0**x, lambda x: 2.0**x, lambda x: 2.0**x, "any"),
    ("rsub", lambda x: 1 - x, lambda x: 1 - x, lambda x: 1 - x, "any"),
    ("rdiv", lambda x: 1 / x, lambda x: 1 / x, lambda x: 1 / x, "away0"),
    ("expm1", lambda x: x.expm1(), np.expm1, lambda x: x.expm1(), "any"),
    ("log1p", lambda x: x.log1p(), np.log1p, lambda x: x.log1p(), "pos"),
    ("sin", lambda x: x.sin(), np.sin, lambda x: x.sin(), "any"),
    ("cos", lambda x: x.cos(), np.cos, lambda x: x.cos(), "any"),
    ("floor", lambda x: x.floor(), np.floor, lambda x: x.floor(), "away0"),
    ("sign", lambda x: x.sign(), np.sign, lambda x: x.sign(), "away0"),
    ("clone", lambda x: x.clone() * 2, lambda x: x * 2, lambda x: x.clone() * 2, "any"),
    (
        "cast",
        lambda x: x.float().double(),
        lambda x: x.astype(np.float32).astype(np.float64),
        lambda x: x.float().double(),
        "any",
    ),
    (
        "clip",
        lambda x: lg.clip(x, -0.5, 0.5),
        lambda x: np.clip(x, -0.5, 0.5),
        lambda x: x.clamp(-0.5, 0.5),
        "any",
    ),
]
for name, f, g, t, dom in UNARY:
    for s in UNARY_SHAPES:
        # float32 round trip: exact gradient 1, but finite differences see the rounding
        extra = {"fd": False, "f32": False} if name == "cast" else {}
        ROWS.append(Row(name, f, g, t, (s,), dom, extra))

BROADCAST_PAIRS = [
    ((3, 4), (3, 4)),
    ((1, 4), (3, 4)),
    ((4,), (3, 4)),
    ((3, 4), (4,)),
    ((2, 3, 4), (3, 4)),
    ((), (3, 4)),
    ((3, 1), (1, 4)),
]
BINARY = [
    ("add", lambda x, y: x + y, np.add, lambda x, y: x + y, "any"),
    ("sub", lambda x, y: x - y, np.subtract, lambda x, y: x - y, "any"),
    ("mul", lambda x, y: x * y, np.multiply, lambda x, y: x * y, "any"),
    ("div", lambda x, y: x / y, np.divide, lambda x, y: x / y, "away0"),
    ("pow", lambda x, y: x**y, np.power, lambda x, y: x**y, "pos"),
    ("maximum", lg.maximum, np.maximum, lambda x, y: T().maximum(x, y), "distinct"),
    ("minimum", lg.minimum, np.minimum, lambda x, y: T().minimum(x, y), "distinct"),
]
for name, f, g, t, dom in BINARY:
    for pair in BROADCAST_PAIRS:
        ROWS.append(Row(name, f, g, t, pair, dom))

for pair in [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (3, 4, 2)),
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
]:
    ROWS.append(Row("matmul", lambda x, y: x @ y, np.matmul, lambda x, y: x @ y, pair))

for xs in [(5, 4), (2, 5, 4)]:
    ROWS.append(
        Row(
            "linear",
            lambda x, w, b: apply(ops.Linear, x, w, b),
            lambda x, w, b: x @ w.T + b,
            lambda x, w, b: T().nn.functional.linear(x, w, b),
            (xs, (3, 4), (3,)),
        )
    )


def _dim(kw: dict) -> dict:
    """NumPy's axis=None means every axis; amax takes that as dim=()."""
    return {"dim": () if kw["axis"] is None else kw["axis"], "keepdim": kw["keepdims"]}


def _torch_reduction(t: str, axis, keep: bool) -> Callable:
    """torch's spelling of a reduction: amax/logsumexp want dims; axis=None means all of them."""

    def f(x):
        if axis is not None:
            return getattr(x, t)(dim=axis, keepdim=keep)
        out = x.flatten().logsumexp(0) if t == "logsumexp" else getattr(x, t)()
        return out.reshape((1,) * x.ndim if keep else ())

    return f


for axis in [None, 0, -1, (0, 2), 1]:
    for keep in [False, True]:
        kw = {"axis": axis, "keepdims": keep}
        for name, f, g, t, dom in [
            ("sum", lambda x, kw=kw: x.sum(**kw), lambda x, kw=kw: x.sum(**kw), "sum", "any"),
            ("mean", lambda x, kw=kw: x.mean(**kw), lambda x, kw=kw: x.mean(**kw), "mean", "any"),
            (
                "amax",
                lambda x, kw=kw: x.amax(**_dim(kw)),
                lambda x, kw=kw: x.max(**kw),
                "amax",
                "distinct",
            ),
            (
                "logsumexp",
                lambda x, kw=kw: x.logsumexp(**kw),
                lambda x, kw=kw: _lse(x, **kw),
                "logsumexp",
                "any",
            ),
        ]:
            tf = _torch_reduction(t, axis, keep)
            ROWS.append(Row(f"{name}[{axis},{keep}]", f, g, tf, ((2, 3, 4),), dom))

for axis in [0, 1, -1]:
    ROWS.append(
        Row(
            f"softmax[{axis}]",
            lambda x, a=axis: x.softmax(axis=a),
            lambda x, a=axis: _softmax(x, a),
            lambda x, a=axis: x.softmax(dim=a),
            ((2, 3, 4),),
        )
    )
    ROWS.append(
        Row(
            f"log_softmax[{axis}]",
            lambda x, a=axis: x.log_softmax(axis=a),
            lambda x, a=axis: np.log(_softmax(x, a)),
            lambda x, a=axis: x.log_softmax(dim=a),
            ((2, 3, 4),),
        )
    )

SHAPE_CASES = [
    ("reshape", lambda x: x.reshape(4, 6), lambda x: x.reshape(4, 6), None),
    ("reshape-1", lambda x: x.reshape((-1, 2)), lambda x: x.reshape(-1, 2), None),
    (
        "transpose",
        lambda x: x.permute(2, 0, 1),
        lambda x: x.transpose(2, 0, 1),
        lambda x: x.permute(2, 0, 1),
    ),
    ("swap02", lambda x: x.transpose(0, 2), lambda x: np.swapaxes(x, 0, 2), None),
    ("T", lambda x: x.T, lambda x: x.T, lambda x: x.permute(2, 1, 0)),
    ("slice", lambda x: x[1:, ::2], lambda x: x[1:, ::2], None),
    ("int", lambda x: x[0, -1], lambda x: x[0, -1], None),
    ("ellipsis", lambda x: x[..., 1], lambda x: x[..., 1], None),
    ("newaxis", lambda x: x[:, None, 1], lambda x: x[:, None, 1], None),
    ("intarray-repeat", lambda x: x[[0, 1, 0]], lambda x: x[[0, 1, 0]], None),
    (
        "intarray-pairs",
        lambda x: x[np.array([1, 1, 0]), np.array([0, 2, 2])],
        lambda x: x[np.array([1, 1, 0]), np.array([0, 2, 2])],
        lambda x: x[[1, 1, 0], [0, 2, 2]],
    ),
    ("boolmask", lambda x: x[x > 0], lambda x: x[x > 0], lambda x: x[x > 0]),
]
SHAPE_CASES.append(
    ("permute-negative", lambda x: x.permute(-1, 0, 1), lambda x: x.transpose(2, 0, 1), None)
)
SHAPE_CASES += [
    (
        "expand",
        lambda x: x[:, :1].expand(2, 3, 4),
        lambda x: np.broadcast_to(x[:, :1], (2, 3, 4)),
        None,
    ),
    ("flip", lambda x: x.flip(0, 2), lambda x: np.flip(x, (0, 2)), None),
    (  # a row-major copy of a transpose (torch's contiguous; clone would keep the strides)
        "contiguous",
        lambda x: x.permute(2, 0, 1).contiguous(),
        lambda x: np.ascontiguousarray(x.transpose(2, 0, 1)),
        lambda x: x.permute(2, 0, 1).contiguous(),
    ),
    ("repeat", lambda x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)), None),
    (
        "gather",
        lambda x: x.gather(1, lg.tensor(GIDX)),
        lambda x: np.take_along_axis(x, GIDX, 1),
        lambda x: x.gather(1, T().tensor(GIDX)),
    ),
    (
        "max-dim",
        lambda x: x.max(dim=1).values,
        lambda x: x.max(axis=1),
        lambda x: x.max(dim=1).values,
    ),
    ("setitem", lambda x: _setitem(x), lambda x: _setitem_np(x), lambda x: _setitem(x)),
]
for name, f, g, t in SHAPE_CASES:
    ROWS.append(Row(name, f, g, t or f, ((2, 3, 4),)))
ROWS += [
    Row(
        "transpose-2d",
        lambda x: x.transpose(0, 1),
        lambda x: x.T,
        lambda x: x.transpose(0, 1),
        ((3, 4),),
    ),  # fmt: skip
    Row("sum-0d-axis0", lambda x: x.sum(axis=0), lambda x: x, lambda x: x.sum(dim=0), ((),)),
    Row("amax-0d-axis-1", lambda x: x.amax(dim=-1), lambda x: x, lambda x: x.amax(dim=-1), ((),)),
    Row(
        "logsumexp-0d", lambda x: x.logsumexp(axis=0), lambda x: x, lambda x: x.logsumexp(0), ((),)
    ),  # fmt: skip
]

ROWS += [
    Row(
        "concatenate0",
        lambda x, y: lg.concatenate([x, y], axis=0),
        lambda x, y: np.concatenate([x, y], axis=0),
        lambda x, y: T().cat([x, y], dim=0),
        ((2, 3), (4, 3)),
    ),
    Row(
        "concatenate1",
        lambda x, y, z: lg.concatenate([x, y, z], axis=1),
        lambda x, y, z: np.concatenate([x, y, z], axis=1),
        lambda x, y, z: T().cat([x, y, z], dim=1),
        ((2, 3), (2, 1), (2, 2)),
    ),
    Row(
        "stack0",
        lambda x, y: lg.stack([x, y]),
        lambda x, y: np.stack([x, y]),
        lambda x, y: T().stack([x, y]),
        ((2, 3), (2, 3)),
    ),
    Row(
        "stack-1",
        lambda x, y: lg.stack([x, y], axis=-1),
        lambda x, y: np.stack([x, y], axis=-1),
        lambda x, y: T().stack([x, y], dim=-1),
        ((2, 3), (2, 3)),
    ),
    Row(
        "where",
        lambda x, y: lg.where(np.array([True, False, True, False]), x, y),
        lambda x, y: np.where(np.array([True, False, True, False]), x, y),
        lambda x, y: T().where(T().tensor([True, False, True, False]), x, y),
        ((3, 4), (4,)),
    ),
]

LABELS = np.array([0, 3, 1, 3, 2])
Y01 = np.array([0.0, 1, 1, 0, 0.3])
ROWS += [
    Row(
        "categorical_log_prob",
        lambda z: apply(ops_red().CategoricalLogProb, z, labels=LABELS),
        lambda z: np.log(_softmax(z, -1))[np.arange(5), LABELS],
        lambda z: -T().nn.functional.cross_entropy(z, T().tensor(LABELS), reduction="none"),
        ((5, 4),),
    ),
    Row(
        "bernoulli_log_prob",
        lambda z: apply(ops_red().BernoulliLogProb, z, z.new_tensor(Y01)),
        lambda z: (
            np.array([0.0, 1, 1, 0, 0.3]) * np.log(_sig(z))
            + (1 - np.array([0.0, 1, 1, 0, 0.3])) * np.log(1 - _sig(z))
        ),
        lambda z: (
            -T().nn.functional.binary_cross_entropy_with_logits(
                z, T().tensor([0.0, 1, 1, 0, 0.3], dtype=T().float64), reduction="none"
            )
        ),
        ((5,),),
    ),
]

ROWS += [
    Row(
        "categorical_nll_mean",
        lambda z: lg.likelihoods.Categorical(logits=z).nll(LABELS),
        lambda z: -np.mean(np.log(_softmax(z, -1))[np.arange(5), LABELS]),
        lambda z: T().nn.functional.cross_entropy(z, T().tensor(LABELS)),
        ((5, 4),),
    ),
    Row(
        "bernoulli_nll_sum",
        lambda z: lg.likelihoods.Bernoulli(logits=z).nll(Y01.astype(z.dtype), "sum"),
        lambda z: -np.sum(Y01 * np.log(_sig(z)) + (1 - Y01) * np.log(1 - _sig(z))),
        lambda z: T().nn.functional.binary_cross_entropy_with_logits(
            z, T().tensor(Y01, dtype=T().float64), reduction="sum"
        ),
        ((5,),),
    ),
]


def ops_red():
    from likelygrad import softmax_ops as softmax

    return softmax


# Rows added by area live in tests/op_rows_*.py (each defines ROWS); they join the one table.
def _extra_rows() -> list[Row]:
    import importlib
    from pathlib import Path

    rows = []
    for path in sorted(Path(__file__).parent.glob("op_rows_*.py")):
        rows += importlib.import_module(path.stem).ROWS
    return rows


ROWS += _extra_rows()

# Ops checked elsewhere: moving between devices needs a second device (tests/test_devices.py).
from likelygrad.ops import ToDevice  # noqa: E402

EXEMPT = {ToDevice}
