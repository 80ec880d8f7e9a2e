"""Every op in the table: forward against NumPy, gradient against finite differences (float64),
float32 preserved; and against torch.autograd where PyTorch is installed."""

from __future__ import annotations

import numpy as np
import pytest
from op_table import EXEMPT, ROWS, draw

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
    if not row.extra.get("fd", True):
        pytest.skip("a float32 round trip: finite differences see its rounding")
    xs = [lg.tensor(x, requires_grad=True) for x in _inputs(row)]
    assert lg.gradcheck(row.lg_fn, *xs, directions=3)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_float32_stays_float32(row):
    if not row.extra.get("f32", True):
        pytest.skip("the row casts on purpose")
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
    seed = lg.ones(out.shape, dtype=lg.float64)
    out.backward(seed)
    grads = [x.grad.array for x in xs]
    for i, g in enumerate(grads):
        assert isinstance(g, np.ndarray) and not np.shares_memory(g, seed.array)
        assert not any(np.shares_memory(g, h) for h in grads[i + 1 :])
        assert not any(np.shares_memory(g, x.array) for x in xs)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_array_api_strict(row):
    """The same row with array_api_strict arrays: any NumPy call in a portable path fails."""
    xps = pytest.importorskip("array_api_strict")
    xs = _inputs(row)
    ours = [lg.tensor(xps.asarray(x), requires_grad=True) for x in xs]
    out = row.lg_fn(*ours)
    assert type(out.array) is type(ours[0].array)
    np.testing.assert_allclose(np.asarray(out.array), row.np_fn(*xs), rtol=1e-12, atol=1e-12)
    v = np.random.default_rng(2).standard_normal(out.shape)
    out.backward(lg.tensor(xps.asarray(v)))
    ref = [lg.tensor(x, requires_grad=True) for x in xs]
    row.lg_fn(*ref).backward(v)
    for a, b in zip(ours, ref):
        assert type(a.grad.array) is type(ours[0].array)
        np.testing.assert_allclose(np.asarray(a.grad.array), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    if row.extra.get("fd", True):
        assert lg.gradcheck(row.lg_fn, *[lg.tensor(xps.asarray(x), requires_grad=True) for x in xs])


def test_every_op_has_a_row():
    """Adding an op means adding a row: each Op subclass is exercised by the table."""
    import gc

    from likelygrad.ops import Op

    def subclasses(c):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)

    used = set()
    from likelygrad.autograd.engine import OBSERVERS
    from likelygrad.autograd.node import Node

    def seen(phase, node, seconds):
        used.add(node.op if isinstance(node, Node) else node)

    OBSERVERS.append(seen)
    try:
        for row in ROWS:
            xs = [lg.tensor(x, requires_grad=True) for x in _inputs(row)]
            row.lg_fn(*xs)
    finally:
        OBSERVERS.pop()
    gc.collect()
    from likelygrad.autograd.function import _FunctionOp  # user Functions make their own ops

    ops = {c for c in subclasses(Op) if c.__module__.startswith("likelygrad")}
    ops -= {c for c in ops if issubclass(c, _FunctionOp)}
    missing = sorted(c.__name__ for c in ops - used - EXEMPT)
    assert not missing, f"ops without an op-table row: {missing}"
