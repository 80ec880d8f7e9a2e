"""Hypothesis properties of the stable primitives."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import likelygrad as lg

finite = st.floats(-1000, 1000, allow_nan=False, width=64)
rows = arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)), elements=finite)


@given(arrays(np.float64, st.integers(1, 8), elements=finite))
def test_sigmoid_symmetry_and_range(x):
    s, sneg = lg.tensor(x).sigmoid().numpy(), lg.tensor(-x).sigmoid().numpy()
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(sneg, 1 - s, atol=1e-15)


@given(arrays(np.float64, st.integers(1, 8), elements=finite))
def test_log_sigmoid_and_softplus_match_logaddexp(x):
    # log σ(x) = -log(1 + e^-x) = -logaddexp(0, -x), and softplus(x) = logaddexp(0, x)
    np.testing.assert_allclose(lg.tensor(x).log_sigmoid().numpy(), -np.logaddexp(0, -x), 1e-13)
    np.testing.assert_allclose(lg.tensor(x).softplus().numpy(), np.logaddexp(0, x), rtol=1e-13)
    assert np.all(lg.tensor(x).log_sigmoid().numpy() <= 0)


@given(rows)
def test_log_softmax_rows_have_logsumexp_zero(x):
    z = lg.tensor(x).log_softmax(axis=1)
    np.testing.assert_allclose(z.logsumexp(axis=1).numpy(), 0, atol=1e-12)
    np.testing.assert_allclose(lg.tensor(x).softmax(axis=1).numpy().sum(1), 1, atol=1e-12)


@given(rows)
def test_logsumexp_bounds(x):
    lse = lg.tensor(x).logsumexp(axis=1).numpy()
    assert np.all(lse >= x.max(1) - 1e-12)
    assert np.all(lse <= x.max(1) + np.log(x.shape[1]) + 1e-9)


@settings(max_examples=30)
@given(arrays(np.float64, st.integers(1, 6), elements=finite))
def test_log_sigmoid_gradient_finite_and_in_range(x):
    t = lg.tensor(x, requires_grad=True)
    t.log_sigmoid().sum().backward()
    assert np.all(np.isfinite(t.grad)) and np.all((t.grad >= 0) & (t.grad <= 1))
