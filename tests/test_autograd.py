"""The engine: topological order, accumulation, no_grad, graph release, error messages."""

from __future__ import annotations

import gc
import time
import weakref

import numpy as np
import pytest

import likelygrad as lg


def test_notes_toy_graph():
    # L(a, b, c) = c (a + 2b) through d = 2b, e = a + d, L = c·e
    a, b, c = (lg.tensor(v, requires_grad=True) for v in (2.0, -3.0, 10.0))
    d = 2 * b
    e = a + d
    L = c * e
    L.backward()
    assert L.item() == -40.0
    assert (a.grad, b.grad, c.grad) == (10.0, 20.0, -4.0)


def test_long_chain_has_no_recursion_limit_and_is_linear():
    def run(n):
        x = lg.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.0
        t = time.perf_counter()
        y.backward()
        return time.perf_counter() - t, x.grad

    t_small, _ = run(20_000)
    t_big, grad = run(200_000)
    assert grad == 1.0
    assert t_big < 30 * t_small + 0.5  # linear (10x the nodes), with a generous margin


def test_diamond_graph_sums_all_paths():
    x = lg.tensor(3.0, requires_grad=True)
    y = x * x  # used twice below
    z = y * x + y  # x³ + x²
    z.backward()
    assert x.grad == pytest.approx(3 * 9 + 2 * 3)


def test_gradients_accumulate_across_backward_calls():
    x = lg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [2 + 3, 4 + 3])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [3, 3])


def test_leaf_grads_never_alias_each_other():
    a = lg.tensor([1.0, 2.0], requires_grad=True)
    b = lg.tensor([3.0, 4.0], requires_grad=True)
    seed = np.ones(2, np.float32)
    (a + b).backward(seed)
    assert not np.shares_memory(a.grad, b.grad) and not np.shares_memory(a.grad, seed)
    a.grad += 1
    np.testing.assert_allclose(b.grad, [1, 1])


def test_grad_only_for_inputs_that_require_it():
    x = lg.tensor(np.ones((2, 3)))
    w = lg.tensor(np.ones((3, 4)), requires_grad=True)
    (x @ w).sum().backward()
    assert x.grad is None and w.grad.shape == (3, 4)


def test_grad_has_own_shape_and_dtype_after_broadcast():
    b = lg.tensor(np.zeros((1, 4), np.float32), requires_grad=True)
    (lg.tensor(np.ones((3, 4), np.float32)) * b).sum().backward()
    assert b.grad.shape == (1, 4) and b.grad.dtype == np.float32
    np.testing.assert_allclose(np.asarray(b.grad), 3 * np.ones((1, 4)))


def test_python_scalars_never_upcast_float32():
    x = lg.tensor(np.ones(3, np.float32), requires_grad=True)
    y = (2.5 * x + 1) / 3.0 - 0.5
    y = y**2.0
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_no_grad_records_nothing():
    x = lg.tensor([1.0], requires_grad=True)
    with lg.no_grad():
        y = x * 2
        assert not lg.is_grad_enabled()
        with lg.enable_grad():
            assert (x * 2).requires_grad
    assert lg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf

    @lg.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad


def test_backward_on_non_scalar_needs_grad():
    x = lg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.* or reduce it first"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        lg.tensor([1.0]).sum().backward()


def test_graph_is_released_after_backward():
    x = lg.tensor(np.ones((100, 100)), requires_grad=True)
    h = x.exp()
    ref = weakref.ref(h.array)  # the graph holds arrays (what VJPs need), not tensors
    y = (h * 2).sum()
    del h
    gc.collect()
    assert ref() is not None  # the graph keeps the intermediate alive until backward
    y.backward()
    gc.collect()
    assert ref() is None
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = lg.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == 8.0


def test_retain_grad_keeps_intermediate_gradients():
    x = lg.tensor(2.0, requires_grad=True)
    h = (x * 3).retain_grad()
    (h * h).backward()
    assert h.grad == 12.0 and x.grad == 36.0


def test_shape_errors_name_both_shapes_and_the_fix():
    a, b = lg.tensor(np.ones((3, 4))), lg.tensor(np.ones((5, 6)))
    with pytest.raises(ValueError, match=r"matmul: \(3, 4\) @ \(5, 6\): inner dimensions 4 and 5"):
        a @ b
    with pytest.raises(ValueError, match=r"transpose"):
        a @ lg.tensor(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"add: shapes \(3, 4\) and \(5,\).*Reshape"):
        a + lg.tensor(np.ones(5))
    with pytest.raises(ValueError, match=r"mul: shapes \(3, 4\) and \(3,\)"):
        a * lg.tensor(np.ones(3))
    with pytest.raises(RuntimeError, match=r"shape \[5, 2\] is invalid for input of size 12"):
        a.reshape(5, 2)
    with pytest.raises(ValueError, match="inner dimensions 4 and 3"):
        a @ lg.tensor(np.ones((2, 3, 5)))


def test_backward_on_a_leaf_seeds_its_own_grad():
    x = lg.tensor(3.0, requires_grad=True)
    x.backward()
    assert x.grad == 1.0


def test_a_failed_vjp_stores_none_of_its_gradients_and_no_partial_sums():
    """An op whose VJP is wrong for one input must not leave the other input's gradient behind,
    and a later backward through the same graph must start from clean node sums."""
    from likelygrad import ops
    from likelygrad.dispatch import apply

    class Flaky(ops.Op):  # z = a·b; while `broken`, the VJP for b has the wrong shape
        broken = True

        @staticmethod
        def forward(ctx, a, b):
            ctx.saved = (a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved
            return g * b, (np.ones(5) if Flaky.broken else g * a)

    a = lg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = lg.tensor([4.0, 5.0, 6.0], requires_grad=True)
    loss = (apply(Flaky, a, b) * 3.0).sum()
    with pytest.raises(RuntimeError, match=r"gradient of shape \(5,\) for input 1 of shape \(3,\)"):
        loss.backward(retain_graph=True)
    assert a.grad is None and b.grad is None
    Flaky.broken = False
    loss.backward()
    np.testing.assert_array_equal(a.grad.numpy(), 3 * b.numpy())
    np.testing.assert_array_equal(b.grad.numpy(), 3 * a.numpy())
