"""Modules: registration, names, state_dict, strict loading, modes, layers, initializers."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import nn


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(4, 3)
        self.dec = nn.Linear(3, 4)
        self.dec.weight = self.enc.weight  # shared parameter (shape differs: only for names)
        self.scale = nn.Parameter(np.ones(1, np.float32))
        self.note = "not a parameter"

    def forward(self, x):
        return self.dec(self.enc(x)) * self.scale


def test_sequential_names_follow_pytorch():
    m = nn.Sequential(nn.Linear(784, 128), nn.Sigmoid(), nn.Linear(128, 10))
    assert [k for k, _ in m.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(m.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(list(m.children())) == 3 and len(list(m.modules())) == 4
    assert repr(m).splitlines()[1] == "  (0): Linear(in_features=784, out_features=128, bias=True)"


def test_shared_parameter_listed_once_and_attributes_registered():
    t = Tied()
    names = [k for k, _ in t.named_parameters()]
    assert names == ["scale", "enc.weight", "enc.bias", "dec.bias"]
    assert t.note == "not a parameter" and len(list(t.parameters())) == 4
    del t.scale
    assert "scale" not in dict(t.named_parameters())


def test_forgetting_super_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(2))

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first"):
        Bad()


def test_state_dict_shares_memory_and_load_copies():
    """As torch: state_dict() tensors share the parameters' memory (deepcopy for a snapshot);
    load_state_dict copies values in."""
    import copy

    lg.manual_seed(0)
    a = nn.Sequential(nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 2))
    lg.manual_seed(1)
    b = nn.Sequential(nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 2))
    sd = a.state_dict()
    assert all(isinstance(v, lg.Tensor) and not v.requires_grad for v in sd.values())
    snapshot = copy.deepcopy(sd)
    b.load_state_dict(sd)
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
        assert not np.shares_memory(p.numpy(), q.numpy())
    sd["0.weight"].zero_()
    assert not a[0].weight.numpy().any() and snapshot["0.weight"].numpy().any()


def test_strict_load_reports_every_problem_at_once():
    m = nn.Sequential(nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 2))
    sd = m.state_dict()
    del sd["2.bias"]
    sd["0.weight"] = np.zeros((4, 5), np.float32)
    sd["3.weight"] = np.zeros(1)
    with pytest.raises(ValueError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert "0.weight: checkpoint (4, 5) vs model (3, 5)" in msg
    assert "missing keys: 2.bias" in msg and "unexpected keys: 3.weight" in msg
    sd["0.weight"] = np.zeros((3, 5), np.float32)
    missing, unexpected = m.load_state_dict(sd, strict=False)
    assert missing == ["2.bias"] and unexpected == ["3.weight"]
    assert np.all(m[0].weight.data == 0)


def test_train_eval_and_dropout():
    lg.manual_seed(0)
    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert m.training and m[1].training
    x = lg.tensor(np.ones((1000, 2), np.float32))
    out = nn.Dropout(0.25)(x).numpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.03  # p is the probability of dropping
    m.eval()
    assert not m[1].training
    d = nn.Dropout(0.5).eval()
    assert d(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    assert np.all(nn.Dropout(1.0)(x).numpy() == 0)


def test_zero_grad_and_flatten():
    m = nn.Sequential(nn.Flatten(), nn.Linear(6, 2))
    out = m(lg.tensor(np.ones((4, 2, 3), np.float32)))
    assert out.shape == (4, 2)
    out.sum().backward()
    assert m[1].weight.grad is not None
    m.zero_grad()
    assert m[1].weight.grad is None
    m.zero_grad(set_to_none=False)  # like PyTorch: only existing gradients become zeros
    assert m[1].weight.grad is None
    m(lg.tensor(np.ones((4, 2, 3), np.float32))).sum().backward()
    m.zero_grad(set_to_none=False)
    assert m[1].weight.grad.shape == (2, 6) and np.all(m[1].weight.grad == 0)


def test_linear_default_init_bounds_and_reproducibility():
    lg.manual_seed(3)
    a = nn.Linear(400, 50)
    lg.manual_seed(3)
    b = nn.Linear(400, 50)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    bound = 1 / np.sqrt(400)
    assert a.weight.dtype == np.float32 and np.abs(a.weight.data).max() <= bound
    assert np.abs(a.weight.data).max() > 0.95 * bound and np.abs(a.bias.data).max() <= bound
    # U(-b, b) has variance b²/3
    assert a.weight.data.var() == pytest.approx(bound**2 / 3, rel=0.05)


@pytest.mark.parametrize(
    "fn,std",
    [
        (lambda t, g: nn.init.xavier_uniform_(t, generator=g), np.sqrt(2 / (300 + 200))),
        (lambda t, g: nn.init.xavier_normal_(t, generator=g), np.sqrt(2 / (300 + 200))),
        (
            lambda t, g: nn.init.kaiming_uniform_(t, nonlinearity="relu", generator=g),
            np.sqrt(2 / 300),
        ),
        (
            lambda t, g: nn.init.kaiming_normal_(t, nonlinearity="relu", generator=g),
            np.sqrt(2 / 300),
        ),
    ],
)
def test_initializer_statistics_and_generators(fn, std):
    t = nn.Parameter(np.empty((200, 300), np.float32))
    fn(t, np.random.default_rng(0))
    assert t.data.std() == pytest.approx(std, rel=0.03)
    t2 = nn.Parameter(np.empty((200, 300), np.float32))
    fn(t2, np.random.default_rng(0))
    np.testing.assert_array_equal(t.data, t2.data)
    nn.init.zeros_(t)
    assert np.all(t.data == 0)


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    lin = nn.Linear(4, 3, dtype=np.float64)
    tl = torch.nn.Linear(4, 3, dtype=torch.float64)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(lin.weight.data))
        tl.bias.copy_(torch.tensor(lin.bias.data))
    x = np.random.default_rng(0).standard_normal((5, 4))
    out, tout = lin(lg.tensor(x)), tl(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
    assert set(tl.state_dict()) == set(lin.state_dict())
    assert lin.weight.shape == tuple(tl.weight.shape)


def test_module_gradients_match_finite_differences():
    lg.manual_seed(0)
    m = nn.Sequential(
        nn.Linear(3, 4, dtype=np.float64), nn.Tanh(), nn.Linear(4, 2, dtype=np.float64)
    )
    x = np.random.default_rng(1).standard_normal((5, 3))
    y = np.array([0, 1, 1, 0, 1])

    def loss(w0, b0, w1, b1):
        h = nn.functional.linear(lg.tensor(x), w0, b0).tanh()
        return nn.functional.cross_entropy(nn.functional.linear(h, w1, b1), y)

    params = [lg.tensor(p.data, requires_grad=True) for p in m.parameters()]
    assert lg.gradcheck(loss, *params)
