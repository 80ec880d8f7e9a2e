"""Op-table rows for nn: activations, the erf kernel, losses, padding and normalize.

Each row is a likelygrad program, its NumPy reference and its torch twin; test_ops.py runs them
forward vs NumPy, float64 gradcheck, float32 kept, vs torch.autograd and on array_api_strict.
Targets, weights and masks are fixed constants; the rows' inputs are what gets differentiated.
"""

from __future__ import annotations

import math

import numpy as np
from op_table import Row

import likelygrad as lg
import likelygrad.nn.functional as F
from likelygrad.nn.utils import parameters_to_vector


def T():
    import torch

    return torch


def TF():
    return T().nn.functional


def t64(a):
    return T().tensor(np.asarray(a), dtype=T().float64)


def tl(a):
    return T().tensor(np.asarray(a), dtype=T().long)


_erf = np.vectorize(math.erf, otypes=[float])
_erfc = np.vectorize(math.erfc, otypes=[float])
_S2PI = math.sqrt(2 / math.pi)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.logaddexp(0, beta * x) / beta)


def _log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _elu(x, alpha=1.0, scale=1.0, input_scale=1.0):
    return np.where(x > 0, scale * x, scale * alpha * np.expm1(np.minimum(x, 0) * input_scale))


SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

ACTIVATIONS = [
    ("erf", lambda x: lg.erf(x), _erf, lambda x: T().erf(x), "any"),
    ("erfc", lambda x: x.erfc(), _erfc, lambda x: T().erfc(x), "any"),
    (
        "special.erf",
        lambda x: lg.special.erf(x * 3),
        lambda x: _erf(x * 3),
        lambda x: T().special.erf(x * 3),
        "any",
    ),  # fmt: skip
    ("gelu", F.gelu, lambda x: x * 0.5 * _erfc(-x / math.sqrt(2)), lambda x: TF().gelu(x), "any"),
    (
        "gelu-tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(_S2PI * (x + 0.044715 * x**3))),
        lambda x: TF().gelu(x, approximate="tanh"),
        "any",
    ),
    (
        "leaky_relu",
        lambda x: F.leaky_relu(x, 0.2),
        lambda x: np.where(x > 0, x, 0.2 * x),
        lambda x: TF().leaky_relu(x, 0.2),
        "away0",
    ),
    ("elu", lambda x: F.elu(x, 0.7), lambda x: _elu(x, 0.7), lambda x: TF().elu(x, 0.7), "away0"),
    ("selu", F.selu, lambda x: _elu(x, SELU_A, SELU_S), lambda x: TF().selu(x), "away0"),
    (
        "celu",
        lambda x: F.celu(x, 1.5),
        lambda x: _elu(x, 1.5, 1.0, 1 / 1.5),
        lambda x: TF().celu(x, 1.5),
        "away0",
    ),
    ("silu", F.silu, lambda x: x * _sig(x), lambda x: TF().silu(x), "any"),
    ("mish", F.mish, lambda x: x * np.tanh(np.logaddexp(0, x)), lambda x: TF().mish(x), "any"),
    ("softplus", F.softplus, _softplus, lambda x: TF().softplus(x), "any"),
    (
        "softplus-beta",
        lambda x: F.softplus(x * 8, beta=2, threshold=10),
        lambda x: _softplus(x * 8, 2, 10),
        lambda x: TF().softplus(x * 8, beta=2, threshold=10),
        "any",
    ),
    (
        "hardtanh",
        lambda x: F.hardtanh(x, -0.8, 0.7),
        lambda x: np.clip(x, -0.8, 0.7),
        lambda x: TF().hardtanh(x, -0.8, 0.7),
        "any",
    ),
    (
        "relu6",
        lambda x: F.relu6(4 * x + 2),
        lambda x: np.clip(4 * x + 2, 0, 6),
        lambda x: TF().relu6(4 * x + 2),
        "any",
    ),
    (
        "threshold",
        lambda x: F.threshold(x, 0.1, 20.0),
        lambda x: np.where(x > 0.1, x, 20.0),
        lambda x: TF().threshold(x, 0.1, 20.0),
        "any",
    ),
    (
        "elu-inplace",  # in place on a non-leaf: recorded out of place, as torch's elu_
        lambda x: F.elu(x * 1.0, 0.5, inplace=True),
        lambda x: _elu(x, 0.5),
        lambda x: TF().elu(x * 1.0, 0.5, inplace=True),
        "away0",
    ),
    (
        "leaky_relu-inplace",
        lambda x: F.leaky_relu(x * 2.0, 0.1, inplace=True),
        lambda x: np.where(x > 0, 2 * x, 0.2 * x),
        lambda x: TF().leaky_relu(x * 2.0, 0.1, inplace=True),
        "away0",
    ),
    (
        "logsigmoid",
        F.logsigmoid,
        lambda x: -np.logaddexp(0, -x),
        lambda x: TF().logsigmoid(x),
        "any",
    ),
]
ROWS: list[Row] = []
for name, f, g, t, dom in ACTIVATIONS:
    for s in [(), (5,), (3, 4)]:
        ROWS.append(Row(f"nn.{name}", f, g, t, (s,), dom))


# ---- classification losses: NumPy references written from torch's documented formulas ----------
LAB = np.array([0, 3, 1, 3, 2])
LAB_IGN = np.array([0, -100, 1, 3, 2])
W4 = np.array([0.5, 1.0, 2.0, 1.5])
LAB_K = np.array([[0, 3, 1], [2, 2, 0]])  # (2, 3) labels for (2, 4, 3) logits
PROBS = np.random.default_rng(7).dirichlet(np.ones(4), size=5)
Y01 = np.array([0.0, 1, 1, 0, 0.3])
W5 = np.array([1.0, 0.5, 2.0, 1.0, 0.0])


def ce_np(z, y, w=None, ignore=-100, red="mean", eps=0.0):
    """torch's cross_entropy with class indices, classes on axis 1 (or 0 for one example)."""
    if z.ndim == 1:
        z, y = z[None], np.asarray(y)[None]
    zl = np.moveaxis(z, 1, -1)
    k = zl.shape[-1]
    logp = _log_softmax(zl, -1)
    keep = y != ignore
    yy = np.where(keep, y, 0)
    wc = np.ones(k) if w is None else w
    wy = wc[yy] * keep
    nll = -np.take_along_axis(logp, yy[..., None], -1)[..., 0] * wy
    smooth = -(logp * wc).sum(-1) * keep
    if red == "mean":
        nll_r = nll.sum() / wy.sum()
        smooth_r = smooth.sum() / (wy.sum() if w is not None else keep.sum())
    elif red == "sum":
        nll_r, smooth_r = nll.sum(), smooth.sum()
    else:
        nll_r, smooth_r = nll, smooth
    out = (1 - eps) * nll_r + eps / k * smooth_r
    return out.reshape(()) if z.ndim == 2 and red == "none" and y.ndim == 0 else out


def ce_probs_np(z, q, w=None, red="mean", eps=0.0):
    k = z.shape[1]
    q = q * (1 - eps) + eps / k
    per = -(_log_softmax(z, 1) * q * (np.ones(k) if w is None else w)).sum(1)
    return per.mean() if red == "mean" else per.sum() if red == "sum" else per


def bce_np(q, y, w=None):
    loss = -(y * np.maximum(np.log(q), -100) + (1 - y) * np.maximum(np.log1p(-q), -100))
    return loss if w is None else loss * w


def bce_logits_np(z, y, w=None, pw=None):
    lw = 1 + ((pw if pw is not None else 1) - 1) * y
    loss = (1 - y) * z + lw * np.logaddexp(0, -z)
    return loss if w is None else loss * w


LOSS_ROWS = [
    Row(
        "nn.cross_entropy-weight",
        lambda z: F.cross_entropy(z, LAB, weight=W4),
        lambda z: ce_np(z, LAB, W4),
        lambda z: TF().cross_entropy(z, tl(LAB), weight=t64(W4)),
        ((5, 4),),
    ),
    Row(
        "nn.cross_entropy-ignore-sum",
        lambda z: F.cross_entropy(z, LAB_IGN, reduction="sum"),
        lambda z: ce_np(z, LAB_IGN, red="sum"),
        lambda z: TF().cross_entropy(z, tl(LAB_IGN), reduction="sum"),
        ((5, 4),),
    ),
    Row(
        "nn.cross_entropy-ignore-none",
        lambda z: F.cross_entropy(z, LAB_IGN, reduction="none"),
        lambda z: ce_np(z, LAB_IGN, red="none"),
        lambda z: TF().cross_entropy(z, tl(LAB_IGN), reduction="none"),
        ((5, 4),),
    ),
    Row(
        "nn.cross_entropy-ignore-weight-mean",
        lambda z: F.cross_entropy(z, LAB_IGN, weight=W4, ignore_index=-100),
        lambda z: ce_np(z, LAB_IGN, W4),
        lambda z: TF().cross_entropy(z, tl(LAB_IGN), weight=t64(W4)),
        ((5, 4),),
    ),
    Row(
        "nn.cross_entropy-ignore-class",
        lambda z: F.cross_entropy(z, LAB, ignore_index=3),
        lambda z: ce_np(z, LAB, ignore=3),
        lambda z: TF().cross_entropy(z, tl(LAB), ignore_index=3),
        ((5, 4),),
    ),
    Row(
        "nn.cross_entropy-smoothing",
        lambda z: F.cross_entropy(z, LAB_IGN, weight=W4, label_smoothing=0.2),
        lambda z: ce_np(z, LAB_IGN, W4, eps=0.2),
        lambda z: TF().cross_entropy(z, tl(LAB_IGN), weight=t64(W4), label_smoothing=0.2),
        ((5, 4),),
    ),
    Row(
        "nn.cross_entropy-smoothing-none",
        lambda z: F.cross_entropy(z, LAB_IGN, label_smoothing=0.3, reduction="none"),
        lambda z: ce_np(z, LAB_IGN, red="none", eps=0.3),
        lambda z: TF().cross_entropy(z, tl(LAB_IGN), label_smoothing=0.3, reduction="none"),
        ((5, 4),),
    ),
    Row(
        "nn.cross_entropy-kdim",
        lambda z: F.cross_entropy(z, LAB_K),
        lambda z: ce_np(z, LAB_K),
        lambda z: TF().cross_entropy(z, tl(LAB_K)),
        ((2, 4, 3),),
    ),
    Row(
        "nn.cross_entropy-kdim-weight-none",
        lambda z: F.cross_entropy(z, LAB_K, weight=W4, reduction="none"),
        lambda z: ce_np(z, LAB_K, W4, red="none"),
        lambda z: TF().cross_entropy(z, tl(LAB_K), weight=t64(W4), reduction="none"),
        ((2, 4, 3),),
    ),
    Row(
        "nn.cross_entropy-one-example",
        lambda z: F.cross_entropy(z, np.array(2)),
        lambda z: ce_np(z, np.array(2)),
        lambda z: TF().cross_entropy(z, tl(2)),
        ((4,),),
    ),
    Row(
        "nn.cross_entropy-probs",
        lambda z: F.cross_entropy(z, PROBS, weight=W4, label_smoothing=0.1),
        lambda z: ce_probs_np(z, PROBS, W4, eps=0.1),
        lambda z: TF().cross_entropy(z, t64(PROBS), weight=t64(W4), label_smoothing=0.1),
        ((5, 4),),
    ),
    Row(
        "nn.cross_entropy-probs-learned",
        lambda z, q: F.cross_entropy(z, q.softmax(1), reduction="none"),
        lambda z, q: ce_probs_np(z, np.exp(_log_softmax(q, 1)), red="none"),
        lambda z, q: TF().cross_entropy(z, q.softmax(1), reduction="none"),
        ((5, 4), (5, 4)),
    ),
    Row(
        "nn.nll_loss-weight-ignore",
        lambda z: F.nll_loss(z.log_softmax(1), LAB_IGN, weight=W4),
        lambda z: ce_np(z, LAB_IGN, W4),
        lambda z: TF().nll_loss(z.log_softmax(1), tl(LAB_IGN), weight=t64(W4)),
        ((5, 4),),
    ),
    Row(
        "nn.nll_loss-kdim-sum",
        lambda z: F.nll_loss(z, LAB_K, reduction="sum"),
        lambda z: -np.take_along_axis(z, LAB_K[:, None], 1).sum(),
        lambda z: TF().nll_loss(z, tl(LAB_K), reduction="sum"),
        ((2, 4, 3),),
    ),
    Row(
        "nn.binary_cross_entropy",
        lambda z: F.binary_cross_entropy(z.sigmoid(), Y01, weight=W5),
        lambda z: bce_np(_sig(z), Y01, W5).mean(),
        lambda z: TF().binary_cross_entropy(z.sigmoid(), t64(Y01), weight=t64(W5)),
        ((5,),),
    ),
    Row(
        "nn.binary_cross_entropy-target",
        lambda z, y: F.binary_cross_entropy(z.sigmoid(), y.sigmoid(), reduction="none"),
        lambda z, y: bce_np(_sig(z), _sig(y)),
        lambda z, y: TF().binary_cross_entropy(z.sigmoid(), y.sigmoid(), reduction="none"),
        ((5,), (5,)),
    ),
    Row(
        "nn.bce_with_logits-pos_weight",
        lambda z: F.binary_cross_entropy_with_logits(z, Y01, weight=W5, pos_weight=np.full(5, 3.0)),
        lambda z: bce_logits_np(z, Y01, W5, np.full(5, 3.0)).mean(),
        lambda z: TF().binary_cross_entropy_with_logits(
            z, t64(Y01), weight=t64(W5), pos_weight=t64(np.full(5, 3.0))
        ),
        ((5,),),
    ),
    Row(
        "nn.bce_with_logits-none",
        lambda z: F.binary_cross_entropy_with_logits(z, Y01, reduction="none"),
        lambda z: bce_logits_np(z, Y01),
        lambda z: TF().binary_cross_entropy_with_logits(z, t64(Y01), reduction="none"),
        ((5,),),
    ),
]

# ---- regression losses, KL, padding, normalize ---------------------------------------------------
Y34 = np.random.default_rng(8).standard_normal((3, 4))
W34 = np.random.default_rng(9).uniform(0.1, 2.0, (3, 4))
P34 = np.random.default_rng(10).dirichlet(np.ones(4), size=3)


def _huber(d, delta):
    a = np.abs(d)
    return np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def _pad_np(x, widths, mode, value=0.0):
    kw = {"constant_values": value} if mode == "constant" else {}
    return np.pad(x, widths, mode={"replicate": "edge", "circular": "wrap"}.get(mode, mode), **kw)


def _norm_np(x, p, axis):
    a = np.abs(x)
    n = a.max(axis, keepdims=True) if p == np.inf else (a**p).sum(axis, keepdims=True) ** (1 / p)
    return x / np.maximum(n, 1e-12)


REGRESSION_ROWS = [
    Row(
        "nn.mse_loss",
        lambda x: F.mse_loss(x, Y34),
        lambda x: ((x - Y34) ** 2).mean(),
        lambda x: TF().mse_loss(x, t64(Y34)),
        ((3, 4),),
    ),
    Row(
        "nn.mse_loss-weight",
        lambda x: F.mse_loss(x, Y34, weight=W34),
        lambda x: ((x - Y34) ** 2 * W34).sum() / W34.sum(),
        lambda x: TF().mse_loss(x, t64(Y34), weight=t64(W34)),
        ((3, 4),),
    ),
    Row(
        "nn.l1_loss-sum",
        lambda x: F.l1_loss(x, Y34, reduction="sum"),
        lambda x: np.abs(x - Y34).sum(),
        lambda x: TF().l1_loss(x, t64(Y34), reduction="sum"),
        ((3, 4),),
    ),
    Row(
        "nn.smooth_l1_loss",
        lambda x: F.smooth_l1_loss(x, Y34, beta=0.5, reduction="none"),
        lambda x: _huber(x - Y34, 0.5) / 0.5,
        lambda x: TF().smooth_l1_loss(x, t64(Y34), beta=0.5, reduction="none"),
        ((3, 4),),
    ),
    Row(
        "nn.huber_loss",
        lambda x: F.huber_loss(x, Y34, delta=0.7, weight=W34),
        lambda x: (_huber(x - Y34, 0.7) * W34).mean(),
        lambda x: TF().huber_loss(x, t64(Y34), delta=0.7, weight=t64(W34)),
        ((3, 4),),
    ),
    Row(
        "nn.kl_div-batchmean",
        lambda x, t: F.kl_div(x.log_softmax(1), t.softmax(1), reduction="batchmean"),
        lambda x, t: (
            (np.exp(_log_softmax(t, 1)) * (_log_softmax(t, 1) - _log_softmax(x, 1))).sum() / 3
        ),
        lambda x, t: TF().kl_div(x.log_softmax(1), t.softmax(1), reduction="batchmean"),
        ((3, 4), (3, 4)),
    ),
    Row(
        "nn.kl_div-log_target",
        lambda x: F.kl_div(x, np.log(P34), reduction="sum", log_target=True),
        lambda x: (P34 * (np.log(P34) - x)).sum(),
        lambda x: TF().kl_div(x, t64(np.log(P34)), reduction="sum", log_target=True),
        ((3, 4),),
    ),
    Row(
        "nn.gaussian_nll_loss",
        lambda m, v: F.gaussian_nll_loss(m, Y34, v.abs() + 0.1),
        lambda m, v: (0.5 * (np.log(np.abs(v) + 0.1) + (m - Y34) ** 2 / (np.abs(v) + 0.1))).mean(),
        lambda m, v: TF().gaussian_nll_loss(m, t64(Y34), v.abs() + 0.1),
        ((3, 4), (3, 4)),
    ),
    Row(
        "nn.gaussian_nll_loss-homoscedastic-full",
        lambda m, v: F.gaussian_nll_loss(m, Y34, v.exp(), full=True, reduction="sum"),
        lambda m, v: (
            0.5 * (v[:, None] + (m - Y34) ** 2 / np.exp(v)[:, None] + np.log(2 * np.pi))
        ).sum(),
        lambda m, v: TF().gaussian_nll_loss(m, t64(Y34), v.exp(), full=True, reduction="sum"),
        ((3, 4), (3,)),
    ),
    Row(
        "nn.pad-constant",
        lambda x: F.pad(x, (1, 2, 0, 1), value=0.5),
        lambda x: _pad_np(x, [(0, 0), (0, 1), (1, 2)], "constant", 0.5),
        lambda x: TF().pad(x, (1, 2, 0, 1), value=0.5),
        ((2, 3, 4),),
    ),
    Row(
        "nn.pad-crop",
        lambda x: F.pad(x, (-1, 2, 1, -2)),
        lambda x: _pad_np(x[:, :1, 1:], [(0, 0), (1, 0), (0, 2)], "constant"),
        lambda x: TF().pad(x, (-1, 2, 1, -2)),
        ((2, 3, 4),),
    ),
    Row(
        "nn.pad-reflect",
        lambda x: F.pad(x, (3, 1), mode="reflect"),
        lambda x: _pad_np(x, [(0, 0), (0, 0), (3, 1)], "reflect"),
        lambda x: TF().pad(x, (3, 1), mode="reflect"),
        ((2, 3, 4),),
    ),
    Row(
        "nn.pad-replicate-2d",
        lambda x: F.pad(x, (1, 2, 2, 1), mode="replicate"),
        lambda x: _pad_np(x, [(0, 0), (0, 0), (2, 1), (1, 2)], "replicate"),
        lambda x: TF().pad(x, (1, 2, 2, 1), mode="replicate"),
        ((1, 2, 3, 4),),
    ),
    Row(
        "nn.pad-circular",
        lambda x: F.pad(x, (2, 1), mode="circular"),
        lambda x: _pad_np(x, [(0, 0), (0, 0), (2, 1)], "circular"),
        lambda x: TF().pad(x, (2, 1), mode="circular"),
        ((2, 3, 4),),
    ),
    Row(
        "nn.parameters_to_vector",
        lambda x, y: parameters_to_vector([x, y]) * 2,
        lambda x, y: np.concatenate([x.ravel(), y.ravel()]) * 2,
        lambda x, y: T().nn.utils.parameters_to_vector([x, y]) * 2,
        ((2, 3), (4,)),
    ),
]
for p in (2.0, 1.0, 3.0, float("inf")):
    REGRESSION_ROWS.append(
        Row(
            f"nn.normalize-p{p}",
            lambda x, p=p: F.normalize(x, p=p),
            lambda x, p=p: _norm_np(x, p, 1),
            lambda x, p=p: TF().normalize(x, p=p),
            ((3, 4),),
            "distinct" if p == float("inf") else "away0",
        )  # fmt: skip
    )
ROWS += LOSS_ROWS + REGRESSION_ROWS
