"""PyTorch parity of losses, nn.functional and nn.utils: one program per row, run with torch and
with likelygrad (the harness is in test_nn_parity.py): values, gradients, warnings and errors."""

from __future__ import annotations

import numpy as np
import pytest
import test_nn_parity as P

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 4))
LABELS = np.array([0, 3, 1, 3, 2, -100])
PROBS = RNG.dirichlet(np.ones(4), size=6)
Y = RNG.standard_normal((6, 4))


def grad_of(lib, loss_fn, *arrays, dtype="float64"):
    """(loss, d loss / d each input) for inputs made from `arrays`."""
    xs = [P.tensor(lib, a, dtype=getattr(lib.torch, dtype), requires_grad=True) for a in arrays]
    loss = loss_fn(*xs)
    loss.backward(lib.torch.ones_like(loss))
    return [loss] + [x.grad for x in xs]


def f_loss_modules(lib):
    nn, t = lib.nn, lib.torch
    w = P.tensor(lib, [0.5, 1.0, 2.0, 1.5], dtype=t.float64)
    lab = P.tensor(lib, LABELS)
    lab_ok = P.tensor(lib, LABELS[:5])
    y = P.tensor(lib, Y, dtype=t.float64)
    y01 = P.tensor(lib, (Y > 0) * 1.0, dtype=t.float64)
    probs = P.tensor(lib, PROBS, dtype=t.float64)
    return [
        grad_of(lib, lambda z: nn.CrossEntropyLoss()(z[:5], lab_ok), LOGITS),
        grad_of(lib, lambda z: nn.CrossEntropyLoss(w, label_smoothing=0.1)(z, lab), LOGITS),
        grad_of(
            lib,
            lambda z: nn.CrossEntropyLoss(reduction="sum", ignore_index=3)(z[:5], lab_ok),
            LOGITS,
        ),  # fmt: skip
        grad_of(lib, lambda z: nn.CrossEntropyLoss(label_smoothing=0.2)(z, probs), LOGITS),
        grad_of(lib, lambda z: nn.NLLLoss(w)(z.log_softmax(1), lab), LOGITS),
        grad_of(lib, lambda z: nn.BCELoss(w)(z.sigmoid(), y01), LOGITS),
        grad_of(lib, lambda z: nn.BCEWithLogitsLoss(pos_weight=w)(z, y01), LOGITS),
        grad_of(lib, lambda z: nn.BCEWithLogitsLoss(reduction="sum")(z, y01), LOGITS),
        grad_of(lib, lambda z: nn.MSELoss()(z, y), LOGITS),
        grad_of(lib, lambda z: nn.L1Loss(reduction="none")(z, y), LOGITS),
        grad_of(lib, lambda z: nn.SmoothL1Loss(beta=0.5)(z, y), LOGITS),
        grad_of(lib, lambda z: nn.SmoothL1Loss(beta=0.0)(z, y), LOGITS),
        grad_of(lib, lambda z: nn.HuberLoss(delta=0.3)(z, y), LOGITS),
        grad_of(
            lib, lambda z: nn.KLDivLoss(reduction="batchmean")(z.log_softmax(1), probs), LOGITS
        ),  # fmt: skip
        grad_of(
            lib,
            lambda z: nn.KLDivLoss(reduction="sum", log_target=True)(z.log_softmax(1), probs.log()),
            LOGITS,
        ),  # fmt: skip
        # variances below eps: clamped in value, yet their gradient flows (torch's no_grad clamp)
        grad_of(lib, lambda m, v: nn.GaussianNLLLoss(eps=0.1)(m, y, v.abs()), LOGITS, Y * 0.3),
        grad_of(lib, lambda m, v: nn.GaussianNLLLoss(full=True)(m, y, v.exp()), LOGITS, Y[:, 0]),
        grad_of(lib, lambda z: nn.CrossEntropyLoss()(z[:5], lab_ok), LOGITS, dtype="float32"),
        grad_of(lib, lambda z: nn.BCEWithLogitsLoss()(z, y01.float()), LOGITS, dtype="float32"),
    ]


def f_loss_errors(lib):
    F, t = lib.F, lib.torch
    z = P.tensor(lib, LOGITS, dtype=t.float64)
    lab = P.tensor(lib, LABELS)
    probs = P.tensor(lib, PROBS, dtype=t.float64)
    return [
        P.raises(lambda: F.cross_entropy(z, P.tensor(lib, [0, 1, 9, 0, 0, 0]))),
        P.raises(lambda: F.cross_entropy(z, P.tensor(lib, [0, 1, -1, 0, 0, 0]))),
        P.raises(lambda: F.cross_entropy(z, lab[:3])),
        P.raises(lambda: F.cross_entropy(t.zeros(2, 3, 5), t.zeros(2, 4, dtype=t.int64))),
        P.raises(lambda: F.cross_entropy(z, lab, weight=t.ones(3))),
        P.raises(lambda: F.cross_entropy(z, probs, weight=t.ones(3, dtype=t.float64))),
        P.raises(lambda: F.cross_entropy(z, lab, label_smoothing=1.5)),
        P.raises(lambda: F.cross_entropy(z, probs, ignore_index=1)),
        P.raises(lambda: F.cross_entropy(z, t.zeros(6, 4, dtype=t.int64))),
        P.raises(lambda: F.cross_entropy(z, lab, reduction="avg")),
        P.raises(lambda: F.nll_loss(t.tensor(1.0), t.tensor(0))),
        P.raises(lambda: F.binary_cross_entropy(z, t.zeros(6, 4, dtype=t.float64))),
        P.raises(lambda: F.binary_cross_entropy(z.sigmoid(), t.zeros(6, dtype=t.float64))),
        P.raises(lambda: F.binary_cross_entropy_with_logits(z, t.zeros(6, dtype=t.float64))),
        P.raises(lambda: F.gaussian_nll_loss(z, z, -t.ones(6, 4, dtype=t.float64))),
        P.raises(lambda: F.gaussian_nll_loss(z, z, -1.0)),
        P.head(P.raises(lambda: F.gaussian_nll_loss(z, z, t.ones(3, dtype=t.float64))), 24),
        P.raises(lambda: F.gaussian_nll_loss(z, z, t.ones(6, dtype=t.float64), reduction="x")),
        P.raises(lambda: F.smooth_l1_loss(z, z, beta=-1.0)),
        P.raises(lambda: F.huber_loss(z, z, delta=0.0)),
        P.raises(lambda: F.mse_loss(z, z, weight=t.ones(2, dtype=t.float64))),
        # all ignored: 0/0, as torch
        F.cross_entropy(z[:2], P.tensor(lib, [-100, -100])),
        F.cross_entropy(z[:2], P.tensor(lib, [-100, -100]), label_smoothing=0.1),
        F.cross_entropy(t.zeros(0, 4), t.zeros(0, dtype=t.int64)),
    ]


def f_warnings(lib):
    F, nn, t = lib.F, lib.nn, lib.torch
    x = t.ones(2, 3, 4)
    return [
        P.warned(lambda: F.softmax(x).sum(0)),  # implicit dim 0 for 3-D
        P.warned(lambda: F.log_softmax(t.ones(2, 3)).sum(1)),  # dim 1 for 2-D
        P.warned(lambda: nn.Softmax()(t.ones(3))),
        P.warned(lambda: F.softmin(t.arange(3.0), dim=0)),
        P.warned(lambda: F.mse_loss(t.ones(3, 1), t.zeros(3))),
        P.warned(lambda: F.kl_div(t.zeros(2, 2), t.ones(2, 2) / 2)),
        P.warned(lambda: nn.MSELoss(size_average=False)(t.ones(3), t.zeros(3))),
        P.warned(lambda: F.l1_loss(t.ones(3), t.zeros(3), reduce=False)),
        P.warned(lambda: F.softmax(t.ones(2, 3, dtype=t.float32), dim=1, dtype=t.float64)),
    ]


def f_helpers(lib):
    F, t = lib.F, lib.torch
    labels = P.tensor(lib, [0, 2, 1, 2])
    v = P.tensor(lib, [[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]], dtype=t.float64)
    return [
        F.one_hot(labels),
        F.one_hot(labels, 5),
        F.one_hot(P.tensor(lib, [[1, 0], [0, 1]]), 3).shape,
        P.raises(lambda: F.one_hot(P.tensor(lib, [0, -1]))),
        P.raises(lambda: F.one_hot(labels, 2)),
        P.raises(lambda: F.one_hot(t.zeros(0, dtype=t.int64))),
        F.normalize(v),
        F.normalize(v, dim=0),
        F.normalize(v, p=1),
        F.normalize(v, p=float("inf"), eps=0.5),
        F.dropout(v, 0.5, training=False),
        F.dropout(v, 1.0),
        F.dropout(v, 0.0),
        P.raises(lambda: F.dropout(v, 1.5)),
        [F.relu(v), F.relu6(v * 3), F.hardtanh(v, -2.0, 2.0), F.threshold(v, 0.5, -1.0)],
        P.raises(lambda: F.hardtanh(v, 2.0, 1.0)),
        P.raises(lambda: F.gelu(v, approximate="fast")),
        [F.sigmoid(v), F.tanh(v), F.logsigmoid(v), F.softplus(v * 30)],
    ]


def f_inplace(lib):
    F, t, nn = lib.F, lib.torch, lib.nn
    x = P.tensor(lib, [-1.0, 0.5, 2.0], dtype=t.float64)
    out = []
    for fn in (F.relu, F.elu, F.leaky_relu, F.silu, F.mish, F.relu6, F.hardtanh, F.selu, F.celu):
        y = x.clone()
        out.append([fn(y, inplace=True) is y, y])
    y = x.clone()
    out.append([F.dropout(y, 0.0, inplace=True) is y, nn.ReLU(inplace=True)(y) is y, y])
    leaf = P.tensor(lib, [1.0], dtype=t.float64, requires_grad=True)
    out.append(P.head(P.raises(lambda: F.relu(leaf, inplace=True)), 40))
    return out


def f_pad(lib):
    F, t = lib.F, lib.torch
    x = t.arange(24.0).reshape(2, 3, 4)
    return [
        F.pad(x, (1, 1)),
        F.pad(x, [2, 0, 1, 1], value=-1.0),
        F.pad(x, (0, 0, 0, 0, 1, 0)),
        F.pad(x, (-1, -1, 0, 1)),
        F.pad(x, (2, 3), mode="reflect"),
        F.pad(x, (1, 2, 2, 1), mode="replicate"),
        F.pad(x, (4, 1), mode="circular"),
        F.pad(x[None], (1, 1, 1, 1), mode="reflect"),
        P.raises(lambda: F.pad(x, (1,))),
        P.raises(lambda: F.pad(x, (1,) * 8)),
        P.raises(lambda: F.pad(x, (4, 4), mode="reflect")),
        P.raises(lambda: F.pad(x, (5, 0), mode="circular")),
        P.raises(lambda: F.pad(x, (1, 1), mode="bogus")),
        P.raises(lambda: F.pad(x, (1, 1), mode="reflect", value=2.0)),
        P.head(P.raises(lambda: F.pad(x[0, 0], (1, 1), mode="reflect")), 48),
    ]


def f_clip_grad(lib):
    t, utils = lib.torch, lib.nn.utils
    out = []
    for norm_type in (2.0, 1.0, float("inf"), 3.0):
        for max_norm in (0.5, 100.0):
            a = P.tensor(lib, Y, dtype=t.float32, requires_grad=True)
            b = P.tensor(lib, LOGITS[0], dtype=t.float32, requires_grad=True)
            c = P.tensor(lib, [1.0], dtype=t.float32, requires_grad=True)  # no gradient
            ((a * a).sum() + (b * 3).sum()).backward()
            total = utils.clip_grad_norm_([a, b, c], max_norm, norm_type=norm_type)
            out.append([total, a.grad, b.grad, c.grad is None])
    a = P.tensor(lib, Y, dtype=t.float64, requires_grad=True)
    (a * a).sum().backward()
    out.append([utils.clip_grad_norm_(a, 1.0), a.grad])
    utils.clip_grad_value_([a], 0.05)
    out.append(a.grad)
    out.append(utils.clip_grad_norm_([P.tensor(lib, [1.0], requires_grad=True)], 1.0))
    a.grad[0, 0] = float("inf")
    out.append(P.raises(lambda: utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)))
    out.append(utils.get_total_norm([t.ones(3), t.ones(4)], 2.0))
    return out


def f_vectors(lib):
    utils = lib.nn.utils
    m = P.seeded(lib, lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Linear(2, 1)))
    v = utils.parameters_to_vector(m.parameters())
    utils.vector_to_parameters(v * 2, m.parameters())
    return [
        v,
        [p for p in m.parameters()],
        P.head(P.raises(lambda: utils.vector_to_parameters([1.0], m.parameters())), 24),
    ]


def f_erf(lib):
    t = lib.torch
    special = [0.0, -0.0, 1e-300, 0.3, -1.2, 1.5, 3.0, -6.0, 27.0, np.inf, -np.inf, np.nan]
    x = P.tensor(lib, special, dtype=t.float64)
    x32 = x.float()
    with np.errstate(invalid="ignore"):  # gelu(±inf) is inf·0 = nan in both
        gelus = [lib.F.gelu(x), lib.F.gelu(x, approximate="tanh")]
    return [t.erf(x), t.erfc(x), t.erf(x32), t.erfc(x32), t.special.erf(x), *gelus]


PROGRAMS = [
    f_loss_modules, f_loss_errors, f_warnings, f_helpers, f_inplace, f_pad, f_clip_grad,
    f_vectors, f_erf,
]  # fmt: skip


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__[2:])
def test_matches_torch(program):
    P.check(program)
