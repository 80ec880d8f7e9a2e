"""Every spelling of the same likelihood costs the same: log_prob(y).mean() and .sum() are one
node of the likelihood's op, like nll(y) and F.cross_entropy, with the same values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg
from likelygrad.likelihoods import Bernoulli, Categorical


@pytest.mark.parametrize("reduce", ["mean", "sum"])
@pytest.mark.parametrize("dist,target", [
    (Categorical, np.array([0, 3, 1, 2, 2])), (Bernoulli, np.array([[1.0, 0.0, 1.0, 0.3]] * 5)),
])  # fmt: skip
def test_reductions_of_log_prob_fuse_into_one_node(dist, target, reduce):
    rng = np.random.default_rng(0)
    z = lg.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    lp = getattr(dist(logits=z).log_prob(target), reduce)()
    assert lp.grad_fn.name() == f"{dist.__name__}LogProbBackward"
    assert lp.grad_fn.next_functions[0][0] is z.grad_fn or z.is_leaf
    lp.backward()
    fused = z.grad.numpy().copy()
    z.grad = None
    nll = dist(logits=z).nll(target, reduce)
    (-nll).backward()
    np.testing.assert_allclose(fused, z.grad.numpy(), rtol=1e-14, atol=1e-15)
    assert lp.item() == pytest.approx(-nll.item(), rel=1e-14)
    assert lg.gradcheck(lambda t: getattr(dist(logits=t).log_prob(target), reduce)(), z)


def test_the_per_example_values_stay_usable_beside_their_total():
    z = lg.tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    lp = Categorical(logits=z).log_prob(np.array([0, 1, 2]))
    (lp.mean() + 2 * lp[1]).backward()
    ref = lg.tensor(z.numpy(), requires_grad=True)
    lr = Categorical(logits=ref).log_prob(np.array([0, 1, 2]))
    (lr.sum() / 3 + 2 * lr[1]).backward()  # sum / 3 takes the unfused path through Div
    np.testing.assert_allclose(z.grad.numpy(), ref.grad.numpy(), rtol=1e-13)
