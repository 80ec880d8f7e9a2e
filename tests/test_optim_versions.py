"""An optimizer's step changes its parameters in place, as torch's does: a graph built before
the step and backpropagated after it must raise, not give gradients of weights it never used
(the classic GAN-loop mistake torch catches)."""

from __future__ import annotations

import pytest

import likelygrad as lg


def stale_backward(lib, opt_cls):
    m = lib.nn.Linear(2, 1)
    opt = opt_cls(lib, m)
    x = lib.ones(1, 2, requires_grad=True)
    first, second = m(x), m(x)  # two graphs over the same weights
    first.backward()
    opt.step()
    second.backward()  # its saved weight was overwritten by the step


OPTIMIZERS = {
    "SGD": lambda lib, m: lib.optim.SGD(m.parameters(), lr=1.0),
    "SGD-momentum": lambda lib, m: lib.optim.SGD(m.parameters(), lr=1.0, momentum=0.9),
    "Adam": lambda lib, m: lib.optim.Adam(m.parameters()),
    "AdamW": lambda lib, m: lib.optim.AdamW(m.parameters()),
    "RMSprop": lambda lib, m: lib.optim.RMSprop(m.parameters()),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_backward_through_a_graph_older_than_the_step_raises(name):
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        stale_backward(lg, OPTIMIZERS[name])
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        stale_backward(torch, OPTIMIZERS[name])


def test_the_usual_loop_and_a_parameter_without_gradient_are_unaffected():
    m = lg.nn.Sequential(lg.nn.Linear(2, 2), lg.nn.Linear(2, 1))
    m[0].weight.requires_grad_(False)
    opt = lg.optim.SGD(m.parameters(), lr=0.1)
    before = m[0].weight._version[0]
    for _ in range(3):
        opt.zero_grad()
        m(lg.ones(4, 2)).sum().backward()
        opt.step()
    assert m[0].weight._version[0] == before  # never updated: its version stays
    assert m[1].weight._version[0] >= 3
