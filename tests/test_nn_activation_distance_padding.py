"""nn.PReLU, Hardswish, Hardsigmoid, CosineSimilarity, PairwiseDistance and the constant padding
modules against torch's: printed form, parameters (copied), outputs and gradients in float64."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg
import likelygrad.nn as nn

torch = pytest.importorskip("torch")
tnn = torch.nn


def run_both(ours, theirs, *arrays):
    """Outputs and the gradients of every input and parameter, for one random seed vector."""
    xs = [lg.tensor(a, requires_grad=True) for a in arrays]
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = ours(*xs), theirs(*txs)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    v = np.random.default_rng(5).standard_normal(tuple(out.shape))
    out.backward(lg.tensor(v))
    tout.backward(torch.tensor(v))
    for a, b in zip(xs, txs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-14)
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-14)


RNG = np.random.default_rng(0)


@pytest.mark.parametrize("n, shape", [(1, (2, 3, 4)), (3, (2, 3, 4)), (1, (5,)), (4, (2, 4))])
def test_prelu_matches_torch(n, shape):
    ours, theirs = nn.PReLU(n).double(), tnn.PReLU(n).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    w = RNG.uniform(-1, 1, n)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
    ours.weight.data = lg.tensor(w)
    x = RNG.standard_normal(shape)
    x.flat[0] = 0.0  # the kink: both take the slope's side
    run_both(ours, theirs, x)


def test_prelu_channel_mismatch_raises():
    with pytest.raises(RuntimeError):
        nn.PReLU(3)(lg.ones(2, 4))
    with pytest.raises(RuntimeError):
        tnn.PReLU(3)(torch.ones(2, 4))


@pytest.mark.parametrize("name", ["Hardswish", "Hardsigmoid"])
def test_hard_activations_match_torch_at_the_kinks(name):
    x = np.array([-4.0, -3.0, -1.5, 0.0, 2.9, 3.0, 4.0])
    ours, theirs = getattr(nn, name)(), getattr(tnn, name)()
    assert repr(getattr(nn, name)(inplace=True)) == repr(getattr(tnn, name)(inplace=True))
    run_both(ours, theirs, x)
    y = lg.tensor(x)
    assert getattr(nn, name)(inplace=True)(y) is y
    np.testing.assert_allclose(y.numpy(), getattr(tnn, name)()(torch.tensor(x)).numpy())


@pytest.mark.parametrize(
    "kw, a, b",
    [({}, (4, 3), (4, 3)), ({"dim": 0}, (5,), (5,)), ({"dim": -1, "eps": 0.5}, (2, 3), (3,))],
)
def test_cosine_similarity_matches_torch(kw, a, b):
    ours, theirs = nn.CosineSimilarity(**kw), tnn.CosineSimilarity(**kw)
    run_both(ours, theirs, RNG.standard_normal(a), RNG.standard_normal(b))


def test_cosine_similarity_of_a_zero_vector():
    zero, x = np.zeros((2, 3)), RNG.standard_normal((2, 3))
    run_both(nn.CosineSimilarity(), tnn.CosineSimilarity(), zero, x)


@pytest.mark.parametrize(
    "kw, a, b",
    [({}, (4, 3), (4, 3)), ({"p": 1.0, "keepdim": True}, (2, 4, 3), (3,)),
     ({"p": 3.0, "eps": 0.1}, (5,), (5,))],
)  # fmt: skip
def test_pairwise_distance_matches_torch(kw, a, b):
    ours, theirs = nn.PairwiseDistance(**kw), tnn.PairwiseDistance(**kw)
    run_both(ours, theirs, RNG.standard_normal(a), RNG.standard_normal(b))


@pytest.mark.parametrize(
    "name, args, shape",
    [
        ("ZeroPad1d", (2,), (2, 3, 4)),
        ("ZeroPad2d", ((1, 0, 2, -1),), (2, 3, 4)),
        ("ZeroPad3d", (1,), (1, 2, 3, 4)),
        ("ConstantPad1d", ((0, 3), 1.5), (3, 4)),
        ("ConstantPad2d", (1, -2.0), (2, 3, 4)),
        ("ConstantPad3d", ((1, 0, 0, 1, 2, 0), 0.5), (2, 2, 3, 4)),
    ],
)
def test_padding_modules_match_torch(name, args, shape):
    ours, theirs = getattr(nn, name)(*args), getattr(tnn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    run_both(ours, theirs, RNG.standard_normal(shape))


def test_functional_forms_are_exported():
    import torch.nn.functional as TF

    import likelygrad.nn.functional as F

    for name in ["prelu", "hardswish", "hardsigmoid", "cosine_similarity", "pairwise_distance"]:
        assert callable(getattr(F, name)) and callable(getattr(TF, name))
        assert name in F.__all__
