"""Likelihoods: closed forms, torch.distributions, stability at ±1000 logits, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import likelygrad as lg
from likelygrad.likelihoods import Bernoulli, Categorical, Gaussian

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((6, 4)) * 3
LABELS = np.array([0, 3, 2, 2, 1, 0])
BLOGITS = rng.standard_normal(6) * 3
Y01 = np.array([0.0, 1, 1, 0, 1, 0])


def test_bernoulli_closed_form_and_notes_formula():
    p = 1 / (1 + np.exp(-BLOGITS))
    expected = Y01 * np.log(p) + (1 - Y01) * np.log(1 - p)  # log ŷ^y (1 - ŷ)^(1 - y)
    np.testing.assert_allclose(Bernoulli(logits=BLOGITS).log_prob(Y01).numpy(), expected, 1e-12)
    np.testing.assert_allclose(Bernoulli(logits=BLOGITS).probs.numpy(), p, 1e-12)


def test_categorical_closed_form():
    expected = LOGITS[np.arange(6), LABELS] - np.log(np.exp(LOGITS).sum(1))
    np.testing.assert_allclose(Categorical(logits=LOGITS).log_prob(LABELS).numpy(), expected, 1e-12)


def test_gaussian_closed_form_std_and_log_std():
    mu, sd, y = rng.standard_normal(5), rng.uniform(0.5, 2, 5), rng.standard_normal(5)
    expected = -((y - mu) ** 2) / (2 * sd**2) - np.log(sd) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(Gaussian(mu, std=sd).log_prob(y).numpy(), expected, 1e-12)
    np.testing.assert_allclose(Gaussian(mu, log_std=np.log(sd)).log_prob(y).numpy(), expected)
    ent = 0.5 * np.log(2 * np.pi * np.e * sd**2)
    np.testing.assert_allclose(Gaussian(mu, std=sd).entropy().numpy(), ent, 1e-12)


def test_against_torch_distributions():
    torch = pytest.importorskip("torch")
    td = torch.distributions
    tl = torch.tensor(LOGITS)
    ours = Categorical(logits=LOGITS)
    theirs = td.Categorical(logits=tl)
    np.testing.assert_allclose(
        ours.log_prob(LABELS).numpy(), theirs.log_prob(torch.tensor(LABELS)).numpy(), atol=1e-9
    )
    np.testing.assert_allclose(ours.entropy().numpy(), theirs.entropy().numpy(), atol=1e-9)
    np.testing.assert_allclose(ours.probs.numpy(), theirs.probs.numpy(), atol=1e-12)
    b, tb = Bernoulli(logits=BLOGITS), td.Bernoulli(logits=torch.tensor(BLOGITS))
    np.testing.assert_allclose(
        b.log_prob(Y01).numpy(), tb.log_prob(torch.tensor(Y01)).numpy(), atol=1e-9
    )
    np.testing.assert_allclose(b.entropy().numpy(), tb.entropy().numpy(), atol=1e-9)
    mu, sd, y = rng.standard_normal(5), rng.uniform(0.5, 2, 5), rng.standard_normal(5)
    g, tg = Gaussian(mu, std=sd), td.Normal(torch.tensor(mu), torch.tensor(sd))
    np.testing.assert_allclose(g.log_prob(y).numpy(), tg.log_prob(torch.tensor(y)).numpy(), 1e-9)
    np.testing.assert_allclose(g.entropy().numpy(), tg.entropy().numpy(), atol=1e-9)


@pytest.mark.parametrize("make", ["bernoulli", "categorical", "gaussian"])
def test_log_prob_gradients_match_finite_differences(make):
    if make == "bernoulli":
        fn = lambda z: Bernoulli(logits=z).log_prob(Y01 * 0.7)  # noqa: E731
        x = BLOGITS
    elif make == "categorical":
        fn = lambda z: Categorical(logits=z).log_prob(LABELS)  # noqa: E731
        x = LOGITS
    else:
        fn = lambda z: Gaussian(z[0], log_std=z[1]).log_prob(np.ones(4))  # noqa: E731
        x = rng.standard_normal((2, 4))
    assert lg.gradcheck(fn, lg.tensor(x, requires_grad=True))


def test_finite_at_logits_of_plus_minus_1000():
    z = lg.tensor(np.array([-1000.0, 1000.0, -1000.0, 1000.0]), requires_grad=True)
    lp = Bernoulli(logits=z).log_prob(np.array([1.0, 0.0, 0.0, 1.0]))
    np.testing.assert_array_equal(lp.numpy(), [-1000.0, -1000.0, 0.0, 0.0])
    lp.sum().backward()
    np.testing.assert_array_equal(z.grad, [1.0, -1.0, 0.0, 0.0])
    assert np.all(np.isfinite(Bernoulli(logits=z).entropy().numpy()))
    c = lg.tensor(np.array([[1000.0, -1000.0, 0.0]]), requires_grad=True)
    lp = Categorical(logits=c).log_prob(np.array([1]))
    assert lp.item() == -2000.0
    lp.sum().backward()
    assert np.all(np.isfinite(c.grad))
    assert np.all(np.isfinite(Categorical(logits=c).entropy().numpy()))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf - inf and log 0: the inputs' doing
@pytest.mark.parametrize("classes", [3, 100])  # the transposed (K ≤ 64) and the row-wise path
@pytest.mark.parametrize("special", ["-inf entry", "+inf entry", "all -inf row", "nan entry"])
def test_fused_mean_nll_agrees_with_per_example_at_infinities(classes, special):
    """The fused mean NLL skips the row-max guard and redoes the rows guarded only when its
    total is not finite; either way it must equal the mean of the guarded per-example values."""
    logits = rng.standard_normal((4, classes))
    labels = np.array([0, 1, 2, 1])
    logits[0, 2] = {"-inf entry": -np.inf, "+inf entry": np.inf, "nan entry": np.nan}.get(
        special, 0.0
    )
    if special == "all -inf row":
        logits[3] = -np.inf
    for dtype in (np.float64, np.float32):
        z = lg.tensor(logits.astype(dtype), requires_grad=True)
        fused = Categorical(logits=z).nll(labels)
        per_example = -Categorical(logits=z.detach()).log_prob(labels).numpy()
        assert fused.dtype == dtype
        np.testing.assert_array_equal(fused.numpy(), np.asarray(per_example.mean(), dtype))
        fused.backward()
        w = lg.tensor(logits.astype(dtype), requires_grad=True)
        (-Categorical(logits=w).log_prob(labels)).mean().backward()
        np.testing.assert_allclose(z.grad, w.grad, rtol=1e-6, equal_nan=True)
    if special == "-inf entry":  # a -inf logit that is not the label's is harmless
        assert np.isfinite(fused.item())


def test_modes_and_samples():
    b = Bernoulli(logits=np.array([-2.0, 3.0]))
    np.testing.assert_array_equal(b.mode().numpy(), [0, 1])
    s = b.sample(20000, seed=1).numpy()
    assert s.shape == (20000, 2)
    np.testing.assert_allclose(s.mean(0), b.probs.numpy(), atol=0.02)
    c = Categorical(logits=np.log(np.array([[0.2, 0.5, 0.3]])))
    assert c.mode().numpy().tolist() == [1]
    s = c.sample(30000, seed=2).numpy()
    assert s.shape == (30000, 1)
    np.testing.assert_allclose(
        np.bincount(s[:, 0], minlength=3) / 30000, [0.2, 0.5, 0.3], atol=0.02
    )
    np.testing.assert_array_equal(c.sample(5, seed=3).numpy(), c.sample(5, seed=3).numpy())
    g = Gaussian(np.array([1.0, -1.0]), std=np.array([0.5, 2.0]))
    s = g.sample(40000, seed=4).numpy()
    np.testing.assert_allclose(s.mean(0), [1, -1], atol=0.05)
    np.testing.assert_allclose(s.std(0), [0.5, 2.0], atol=0.05)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"label 4 is outside \[0, 4\)"):
        Categorical(logits=LOGITS).log_prob(np.array([0, 1, 2, 3, 4, 0]))
    with pytest.raises(ValueError, match=r"label -1 is outside"):
        Categorical(logits=LOGITS).log_prob(np.array([0, 1, 2, 3, -1, 0]))
    huge = np.array([0, 1, 2, 3, 2**64 - 1, 0], dtype=np.uint64)  # wraps to -1 as an intp
    with pytest.raises(ValueError, match=r"label 18446744073709551615 is outside"):
        Categorical(logits=LOGITS).log_prob(huge)
    with pytest.raises(ValueError, match=r"label 9.0 is outside"):
        Categorical(logits=LOGITS).nll(np.array([0, 1, 2, 3, 9.0, 0]))
    with pytest.raises(ValueError, match="must be integers, got 1.5"):
        Categorical(logits=LOGITS).log_prob(np.array([0, 1.5, 2, 3, 1, 0]))
    with pytest.raises(ValueError, match=r"logits \(6, 4\) need labels of shape \(6,\)"):
        Categorical(logits=LOGITS).log_prob(np.array([0, 1]))
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\]; got 2.0"):
        Bernoulli(logits=BLOGITS).log_prob(np.array([0, 1, 2.0, 0, 1, 0]))
    with pytest.raises(ValueError, match=r"logits \(6,\) and targets \(6, 1\)"):
        Bernoulli(logits=BLOGITS).log_prob(Y01[:, None])
    with pytest.raises(ValueError, match="std must be positive"):
        Gaussian(0.0, std=-1.0)
    with pytest.raises(TypeError, match="exactly one of"):
        Gaussian(0.0)


def test_integral_float_labels_are_accepted():
    lp = Categorical(logits=LOGITS).log_prob(LABELS.astype(np.float32))
    np.testing.assert_allclose(lp.numpy(), Categorical(logits=LOGITS).log_prob(LABELS).numpy())


def test_losses_are_negative_mean_log_prob():
    F = lg.nn.functional
    z = lg.tensor(LOGITS)
    ce = F.cross_entropy(z, LABELS).item()
    assert ce == pytest.approx(-Categorical(logits=z).log_prob(LABELS).mean().item(), rel=1e-14)
    bz = lg.tensor(BLOGITS)
    bce = F.binary_cross_entropy_with_logits(bz, Y01).item()
    assert bce == pytest.approx(-Bernoulli(logits=bz).log_prob(Y01).mean().item(), rel=1e-14)
    mu, var, y = rng.standard_normal(5), rng.uniform(0.5, 2, 5), rng.standard_normal(5)
    g = F.gaussian_nll(lg.tensor(mu), y, var).item()
    assert g == pytest.approx(-Gaussian(mu, std=np.sqrt(var)).log_prob(y).mean().item(), 1e-12)
    assert F.gaussian_nll_loss(lg.tensor(mu), y, var).item() == pytest.approx(
        g - 0.5 * math.log(2 * math.pi), rel=1e-12
    )
    assert Categorical(logits=z).nll(LABELS).item() == pytest.approx(ce, rel=1e-14)


def test_losses_match_torch():
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    F = lg.nn.functional
    for red in ("mean", "sum", "none"):
        ours = F.cross_entropy(lg.tensor(LOGITS), LABELS, reduction=red).numpy()
        theirs = TF.cross_entropy(torch.tensor(LOGITS), torch.tensor(LABELS), reduction=red)
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)
        ours = F.binary_cross_entropy_with_logits(lg.tensor(BLOGITS), Y01, reduction=red).numpy()
        theirs = TF.binary_cross_entropy_with_logits(
            torch.tensor(BLOGITS), torch.tensor(Y01), reduction=red
        )
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)
    mu, var, y = rng.standard_normal(5), rng.uniform(0.5, 2, 5), rng.standard_normal(5)
    for full in (False, True):
        ours = F.gaussian_nll_loss(lg.tensor(mu), y, var, full=full).item()
        theirs = TF.gaussian_nll_loss(
            torch.tensor(mu), torch.tensor(y), torch.tensor(var), full=full
        ).item()
        assert ours == pytest.approx(theirs, rel=1e-12)


def test_nll_loss_and_mse_loss_match_torch():
    torch = pytest.importorskip("torch")
    F, TF = lg.nn.functional, torch.nn.functional
    logp = lg.tensor(LOGITS, requires_grad=True).log_softmax(axis=1)
    for red in ("mean", "sum", "none"):
        ours = F.nll_loss(logp, LABELS, reduction=red).numpy()
        theirs = TF.nll_loss(
            torch.tensor(LOGITS).log_softmax(1), torch.tensor(LABELS), reduction=red
        )
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)
        y = rng.standard_normal(LOGITS.shape)
        ours = F.mse_loss(lg.tensor(LOGITS), y, reduction=red).numpy()
        theirs = TF.mse_loss(torch.tensor(LOGITS), torch.tensor(y), reduction=red)
        np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match=r"nll_loss: logits \(6, 4\) need labels of shape \(6,\)"):
        F.nll_loss(logp, LABELS[:3])
    with pytest.raises(ValueError, match=r"nll_loss: label -1 is outside \[0, 4\)"):
        F.nll_loss(logp, np.array([0, 1, 2, 3, -1, 0]))
    with pytest.raises(ValueError, match="nll_loss: labels must be integers, got 1.7"):
        F.nll_loss(logp, np.array([0, 1.7, 2, 3, 1, 0]))
    assert lg.gradcheck(lambda z: F.mse_loss(z, np.ones(4)), lg.tensor(rng.standard_normal(4)))
