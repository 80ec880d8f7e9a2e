"""Every op in the table: forward against NumPy, gradient against finite differences (float64),
float32 preserved; and against torch.autograd where PyTorch is installed."""

from __future__ import annotations

import numpy as np
import pytest
from op_table import ROWS, draw

import likelygrad as lg


def _inputs(row, seed=0):
    rng = np.random.default_rng(seed)
    return [draw(s, row.domain, rng) for s in row.shapes]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_forward_matches_numpy(row):
    xs = _inputs(row)
    out = row.lg_fn(*[lg.tensor(x) for x in xs])
    expected = row.np_fn(*xs)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_gradient_matches_finite_differences(row):
    xs = [lg.tensor(x, requires_grad=True) for x in _inputs(row)]
    assert lg.gradcheck(row.lg_fn, *xs, directions=3)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_float32_stays_float32(row):
    xs = [lg.tensor(x.astype(np.float32), requires_grad=True) for x in _inputs(row)]
    out = row.lg_fn(*xs)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, np.float32))
    for x in xs:
        assert x.grad is not None and x.grad.dtype == np.float32 and x.grad.shape == x.shape


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_gradient_matches_torch(row):
    torch = pytest.importorskip("torch")
    xs = _inputs(row, seed=1)
    ours = [lg.tensor(x, requires_grad=True) for x in xs]
    theirs = [torch.tensor(x, requires_grad=True) for x in xs]
    out, tout = row.lg_fn(*ours), row.torch_fn(*theirs)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    v = np.random.default_rng(2).standard_normal(out.shape)
    out.backward(v)
    tout.backward(torch.tensor(v))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_leaf_gradients_own_their_memory(row):
    xs = [lg.tensor(x, requires_grad=True) for x in _inputs(row)]
    out = row.lg_fn(*xs)
    seed = np.ones(out.shape)
    out.backward(seed)
    grads = [x.grad for x in xs]
    for i, g in enumerate(grads):
        assert isinstance(g, np.ndarray) and not np.shares_memory(g, seed)
        assert not any(np.shares_memory(g, h) for h in grads[i + 1 :])
        assert not any(np.shares_memory(g, x.data) for x in xs)
