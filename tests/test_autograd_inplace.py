"""In-place updates under autograd follow PyTorch's rules (property tests):

- on a leaf that requires grad: torch's error, unless inside no_grad (how optimizers update);
- on tensors outside a graph: allowed, in the tensor's own memory;
- on a tensor the backward still needs (saved for a VJP): backward raises, naming it;
- on a non-leaf in a graph: recorded, with torch's gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import likelygrad as lg

X = np.array([0.3, -0.7, 1.2, 0.5])

# in-place updates, as (name, f(module, tensor)); each keeps the shape and the float dtype
INPLACE = [
    ("add_", lambda m, t: t.add_(0.5)),
    ("add_-tensor", lambda m, t: t.add_(t.detach() * 2, alpha=0.5)),
    ("sub_", lambda m, t: t.sub_(0.25)),
    ("mul_", lambda m, t: t.mul_(1.5)),
    ("div_", lambda m, t: t.div_(4.0)),
    ("pow_", lambda m, t: t.pow_(2)),
    ("neg_", lambda m, t: t.neg_()),
    ("exp_", lambda m, t: t.exp_()),
    ("tanh_", lambda m, t: t.tanh_()),
    ("sigmoid_", lambda m, t: t.sigmoid_()),
    ("sin_", lambda m, t: t.sin_()),
    ("abs_", lambda m, t: t.abs_()),
    ("relu_", lambda m, t: t.relu_()),
    ("clamp_", lambda m, t: t.clamp_(-0.5, 0.6)),
    ("square_", lambda m, t: t.square_()),
    ("lerp_", lambda m, t: t.lerp_(t.detach() * 0 + 1, 0.25)),
    ("zero_", lambda m, t: t.zero_()),
    ("fill_", lambda m, t: t.fill_(2.0)),
    ("copy_", lambda m, t: t.copy_(m.tensor([1.0, 2.0, 3.0, 4.0], dtype=t.dtype))),
    ("setitem", lambda m, t: t.__setitem__(slice(1, 3), 9.0)),
    ("setitem-index", lambda m, t: t.__setitem__(m.tensor([0, 3]), -1.0)),
    ("masked_fill_", lambda m, t: t.masked_fill_(m.tensor([True, False, True, False]), 0.0)),
    ("index_add_", lambda m, t: t.index_add_(0, m.tensor([1, 1]), t.detach()[:2] * 0 + 1)),
    ("index_fill_", lambda m, t: t.index_fill_(0, m.tensor([2]), 3.0)),
    ("scatter_", lambda m, t: t.scatter_(0, m.tensor([3, 0]), t.detach()[:2] * 0 + 7)),
    ("cumsum_", lambda m, t: t.cumsum_(0)),
    ("iadd", lambda m, t: t.__iadd__(1.0)),
    ("imul", lambda m, t: t.__imul__(m.tensor([2.0, -1.0, 0.5, 3.0], dtype=t.dtype))),
]  # fmt: skip
NAMES = [n for n, _ in INPLACE]
BY_NAME = dict(INPLACE)


@pytest.mark.parametrize("name", NAMES)
def test_in_place_on_a_leaf_that_requires_grad_raises_torchs_error(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        BY_NAME[name](torch, torch.tensor(X, requires_grad=True))
    x = lg.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad .*no_grad"):
        BY_NAME[name](lg, x)
    assert x.tolist() == X.tolist() and x.is_leaf and x.grad_fn is None  # untouched


@pytest.mark.parametrize("name", NAMES)
def test_in_place_is_allowed_under_no_grad_and_outside_a_graph(name):
    torch = pytest.importorskip("torch")
    t = torch.tensor(X, requires_grad=True)
    with torch.no_grad():
        BY_NAME[name](torch, t)
    for requires_grad in (True, False):
        x = lg.tensor(X, requires_grad=requires_grad)
        array, view = x.array, x[1:]  # a view shares the memory: it sees the change
        if requires_grad:
            with lg.no_grad():
                out = BY_NAME[name](lg, x)
        else:
            out = BY_NAME[name](lg, x)
        assert (out is x or name == "setitem" or name == "setitem-index") and x.array is array
        assert x.is_leaf and x.requires_grad == requires_grad and x.grad_fn is None
        np.testing.assert_allclose(x.numpy(), t.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(view.numpy(), t.detach().numpy()[1:], rtol=1e-12)


def test_an_optimizer_step_written_by_hand_keeps_the_parameter():
    w = lg.tensor(X, requires_grad=True)
    (w * w).sum().backward()
    before, array = w, w.array
    with lg.no_grad():
        w -= 0.1 * w.grad
        w.mul_(0.5)
        w[0] = 0.0
    assert w is before and w.array is array and w.requires_grad and w.is_leaf
    np.testing.assert_allclose(w.numpy(), np.r_[0.0, (X * 0.8 * 0.5)[1:]], rtol=1e-12)
    w.grad.zero_()
    (w * 3).sum().backward()  # and it still trains
    np.testing.assert_allclose(w.grad.numpy(), 3.0)


# ---- saved tensors: a change in place after the forward makes backward raise ------------------
# (name, f(x) -> (output, the tensor its VJP saved)): the saved one is an input or the output
SAVES = [
    ("exp-output", lambda x: (lambda y: (y, y))(x.exp())),
    ("sigmoid-output", lambda x: (lambda y: (y, y))(x.sigmoid())),
    ("tanh-output", lambda x: (lambda y: (y, y))(x.tanh())),
    ("log-input", lambda x: (lambda h: (h.log(), h))(x.exp())),
    ("mul-input", lambda x: (lambda h: (h * x, h))(x * 2)),
    ("div-divisor", lambda x: (lambda h: (x / h, h))(x.exp())),
    ("pow-base", lambda x: (lambda h: (h**3, h))(x * 1)),
    ("matmul-input", lambda x: (lambda h: (h @ x, h))(x * 1)),
    ("sin-input", lambda x: (lambda h: (h.sin(), h))(x + 1)),
    ("prod-input", lambda x: (lambda h: (h.prod(), h))(x + 1)),
    ("cumprod-output", lambda x: (lambda y: (y, y))((x + 1).cumprod(0))),
    ("norm-input", lambda x: (lambda h: (h.norm(), h))(x * 1)),
    ("atan2-input", lambda x: (lambda h: (h.atan2(x), h))(x + 3)),
    ("einsum-input", lambda x: (lambda h: (lg.einsum("i,i->", h, x), h))(x * 1)),
    ("maximum-input", lambda x: (lambda h: (lg.maximum(h, x), h))(x + 0.1)),
    ("scatter_reduce-output", lambda x: (lambda y: (y, y))(
        x.scatter_reduce(0, lg.tensor([0, 0]), x[:2] * 2, "prod"))),
]  # fmt: skip
CHANGES = ["add_", "mul_", "exp_", "zero_", "setitem", "clamp_", "copy_", "iadd", "index_fill_"]


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(SAVES), st.sampled_from(CHANGES))
def test_a_saved_tensor_changed_in_place_makes_backward_raise_naming_it(saves, change):
    name, f = saves
    x = lg.tensor(X, requires_grad=True)
    out, saved = f(x)
    BY_NAME[change](lg, saved)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: .* of \w+Backward"):
        out.sum().backward()
    assert x.grad is None


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CHANGES))
def test_a_tensor_no_vjp_saved_may_change_in_place(change):
    torch = pytest.importorskip("torch")
    grads = []
    for m in (lg, torch):
        x = m.tensor(X, requires_grad=True)
        h = x * 2
        out = (h + 1) * 3  # Add saves nothing; h may change afterwards
        BY_NAME[change](m, h)
        out.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])


# ---- in-place on a non-leaf in a graph: torch's gradients ------------------------------------
def test_the_example_of_the_issue():
    torch = pytest.importorskip("torch")
    grads = []
    for m in (lg, torch):
        x = m.tensor(X, requires_grad=True)
        y = x * 2
        y.add_(1)
        y[0] = 5
        y.sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0], [0.0, 2.0, 2.0, 2.0])


# steps of a program on y = x * 2 (a non-leaf); some take a value from the graph (v)
STEPS = INPLACE + [
    ("mul_-graph", lambda m, t: t.mul_(m._v)),
    ("add_-graph", lambda m, t: t.add_(m._v.sin())),
    ("setitem-graph", lambda m, t: t.__setitem__(slice(0, 2), m._v[2:] * 3)),
    ("copy_-graph", lambda m, t: t.copy_(m._v.exp())),
    ("index_add_-graph", lambda m, t: t.index_add_(0, m.tensor([3, 3]), m._v[:2])),
    ("masked_scatter_", lambda m, t: t.masked_scatter_(m.tensor([False, True, True, False]), m._v)),
]  # fmt: skip


class _Module:
    """A module (likelygrad or torch) carrying the program's second graph input `_v`."""

    def __init__(self, m, v):
        self._m, self._v = m, v

    def __getattr__(self, name):
        return getattr(self._m, name)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # exp_ of exp_ ...
@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([s for s, _ in STEPS]), min_size=1, max_size=5))
def test_in_place_programs_on_non_leaves_give_torchs_gradients(program):
    """The reference is torch running the program with a clone before each step (which torch
    always accepts). likelygrad records in-place updates as copies, so it accepts every such
    program, including some torch itself refuses (relu_ then add_: torch's relu saved the
    output that add_ changes; likelygrad's VJP kept its own copy), with the same gradients."""
    torch = pytest.importorskip("torch")
    steps = dict(STEPS)
    results = []
    for m in (lg, torch):
        x = m.tensor(X, requires_grad=True)
        v = m.tensor(X[::-1].copy(), requires_grad=True)
        mod = _Module(m, v)
        y = x * 2
        for step in program:
            if m is torch:
                y = y.clone()
            steps[step](mod, y)
        (y * m.tensor([1.0, -2.0, 3.0, 0.5], dtype=y.dtype)).sum().backward()
        results.append((x.grad, v.grad, y.detach()))
    for a, b in zip(*results):
        if b is None:
            assert a is None or not a.numpy().any()
        else:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


def test_an_in_place_op_reading_its_own_target_keeps_the_old_values_for_its_vjp():
    """y.mul_(y) and y.mul_(y.detach()): the VJP needs y's old values, which the write
    replaces. torch refuses the second at backward; likelygrad saved a copy, so both give the
    gradients of the out-of-place y * y (and y * const)."""
    torch = pytest.importorskip("torch")
    for detach in (False, True):
        x, tx = lg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
        y = x * 2
        y.mul_(y.detach() if detach else y)
        ty = tx * 2
        ty = ty * (ty.detach() if detach else ty)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_in_place_on_a_view_of_a_graph_tensor_is_a_clear_error():
    """torch rebases the view's history onto its base; likelygrad refuses instead (outside
    no_grad), so nothing silently differs: write into the base, or clone the view."""
    x = lg.tensor(X, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="view of a tensor that is part of a graph"):
        y[1:].mul_(2)
    with pytest.raises(RuntimeError, match="view of a tensor that is part of a graph"):
        x[1:].add_(1)  # torch: "a view of a leaf Variable ... in-place operation"
    with lg.no_grad():
        y[1:].mul_(2)  # fine outside autograd: the base sees it
    np.testing.assert_allclose(y.detach().numpy(), np.r_[X[:1] * 2, X[1:] * 4])
