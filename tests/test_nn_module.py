"""Module behaviour beyond the torch-parity rows: hooks' finer options, Buffer, deepcopy,
containers keeping attribute access in step, and the parity harness catching differences."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import test_nn_parity as P

import likelygrad as lg
from likelygrad import nn


def test_the_parity_harness_catches_each_kind_of_difference():
    t = ("tensor", "float64", np.ones(2))
    for ours, theirs in [
        (("tensor", "float32", np.ones(2)), t),  # dtype
        (("tensor", "float64", np.array([1.0, 1.1])), t),  # values
        ([1, 2], [1, 2, 3]),  # lengths
        ("Linear()", "Linear(3)"),  # printed forms
        (("raises", ValueError, "boom"), ("raises", TypeError, "boom")),  # error type
        (("raises", ValueError, "boom"), ("raises", ValueError, "bang")),  # error message
        (("returned", 1), ("raises", ValueError, "bang")),  # no error at all
    ]:
        with pytest.raises(AssertionError):
            P.same(ours, theirs)
    P.same(("raises", P.likelygrad.nn.functional_loss.TargetError, "Target 5 is out of bounds."),
           ("raises", IndexError, "Target 5 is out of bounds."))  # fmt: skip


def test_forward_hooks_with_kwargs_always_call_and_context_manager():
    lin = nn.Linear(2, 2)
    calls = []

    def boom(x):
        raise RuntimeError("forward failed")

    lin.forward = boom
    lin.register_forward_hook(lambda m, args, out: calls.append("plain"))
    lin.register_forward_hook(lambda m, args, kw, out: calls.append(("always", out)),
                              with_kwargs=True, always_call=True)  # fmt: skip
    with pytest.raises(RuntimeError, match="forward failed"):
        lin(lg.ones(2))
    assert calls == [("always", None)]

    class Scale(nn.Module):
        def forward(self, x, k=1.0):
            return x * k

    m = Scale()
    with m.register_forward_hook(lambda mod, args, kw, out: out * kw["k"], with_kwargs=True):
        assert m(lg.tensor(3.0), k=2).item() == 12.0
    assert m(lg.tensor(3.0), k=2).item() == 6.0  # removed on leaving the block
    bad = m.register_forward_pre_hook(lambda mod, args, kw: 1, with_kwargs=True)
    with pytest.raises(RuntimeError, match="must return None or a tuple of \\(new_args"):
        m(lg.tensor(1.0))
    bad.remove()


def test_buffer_assignment_registers_and_persistent_flag_is_kept():
    m = nn.Module()
    m.running = nn.Buffer(lg.zeros(3))
    m.scratch = nn.Buffer(lg.ones(2), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["running", "scratch"]
    assert list(m.state_dict()) == ["running"]
    twin = copy.deepcopy(m)
    assert list(twin.state_dict()) == ["running"] and twin.scratch.persistent is False
    m.running = lg.full((3,), 2.0)  # a plain tensor into a registered buffer stays a buffer
    assert m.get_buffer("running").numpy().tolist() == [2.0, 2.0, 2.0]


def test_deepcopy_copies_hooks_and_keeps_training_flags():
    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)).eval()
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(out.shape))
    twin = copy.deepcopy(m)
    twin(lg.ones(1, 2))
    assert seen == [(1, 2)] and not twin[1].training
    assert all(p.requires_grad and p.is_leaf for p in twin.parameters())


def test_containers_keep_attributes_and_registries_in_step():
    s = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Tanh())
    del s[0]
    assert isinstance(s[0], nn.ReLU) and getattr(s, "0") is s[0] and not hasattr(s, "2")
    ml = nn.ModuleList([nn.ReLU()])
    ml.insert(0, nn.Tanh())
    assert getattr(ml, "0") is ml[0] and isinstance(ml[1], nn.ReLU)
    md = nn.ModuleDict({"a": nn.ReLU()})
    del md["a"]
    assert not hasattr(md, "a") and len(md) == 0


def test_plain_attributes_before_init_are_allowed_but_parameters_are_not():
    class Early(nn.Module):
        def __init__(self):
            self.size = 3  # torch allows plain attributes before Module.__init__
            super().__init__()
            self.w = nn.Parameter(np.ones(self.size))

    assert Early().w.shape == (3,)

    class Late(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(2))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Late()
    with pytest.raises(TypeError, match="takes none"):
        nn.Module(3)


def test_dropout_module_draws_from_its_generator_and_inplace_is_passed():
    x = lg.ones(64)
    a = nn.Dropout(0.5, generator=lg.Generator().manual_seed(1))(x)
    b = nn.Dropout(0.5, generator=lg.Generator().manual_seed(1))(x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    y = lg.ones(8)
    assert nn.Dropout(0.5, inplace=True)(y) is y and set(y.numpy()) <= {0.0, 2.0}


def test_shared_module_state_dict_loads_into_every_name():
    shared = nn.Linear(2, 2)
    m = nn.Sequential(shared, shared)
    sd = {k: v + 1 for k, v in m.state_dict().items()}
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    m.load_state_dict(sd)
    np.testing.assert_allclose(m[0].weight.numpy(), sd["1.weight"].numpy())
