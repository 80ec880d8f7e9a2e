"""normal, bernoulli and multinomial: shapes, dtypes and errors as torch's, reproducible under
lg.manual_seed and generator=, and the right statistics (the values are another stream's)."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg

torch = pytest.importorskip("torch")


def test_normal_forms_shapes_and_dtypes():
    cases = [
        lambda m: m.normal(m.zeros(2, 1), m.ones(3)),
        lambda m: m.normal(m.zeros(4, dtype=m.float64), 2.0),
        lambda m: m.normal(1.0, m.ones(5)),
        lambda m: m.normal(0, 1, (2, 3)),
        lambda m: m.normal(0.0, 1.0, size=(3,), dtype=m.float64),
    ]
    for make in cases:
        ours, theirs = make(lg), make(torch)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda m: m.normal(m.zeros(2), m.tensor([1.0, -1.0])), RuntimeError),
        (lambda m: m.normal(0.0, 1.0), TypeError),
        (lambda m: m.normal(m.zeros(2, dtype=m.long), 1.0), NotImplementedError),
        (lambda m: m.bernoulli(m.tensor([0.5, 1.5])), RuntimeError),
        (lambda m: m.bernoulli(m.tensor([0, 1])), NotImplementedError),
        (lambda m: m.multinomial(m.tensor([0.0, 1.0, 0.0]), 4), RuntimeError),
        (lambda m: m.multinomial(m.tensor([0.0, 1.0, -1.0]), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor([1.0, 1.0]), 0), RuntimeError),
        (lambda m: m.multinomial(m.ones(2, 2, 2), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor([1, 2]), 1), RuntimeError),
    ],
)
def test_errors_match_torch(call, error):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error):
        call(lg)


def test_manual_seed_and_generators_reproduce():
    draws = [
        lambda g=None: lg.normal(lg.zeros(5), lg.ones(5), generator=g),
        lambda g=None: lg.normal(0.0, 2.0, (5,), generator=g),
        lambda g=None: lg.bernoulli(lg.full((20,), 0.5), generator=g),
        lambda g=None: lg.zeros(20).bernoulli_(0.5, generator=g),
        lambda g=None: lg.multinomial(lg.ones(2, 10), 10, generator=g),
        lambda g=None: lg.multinomial(lg.ones(10), 30, True, generator=g),
    ]
    for draw in draws:
        lg.manual_seed(3)
        a = draw()
        lg.manual_seed(3)
        assert lg.equal(a, draw())
        g1, g2 = lg.Generator().manual_seed(7), lg.Generator().manual_seed(7)
        assert lg.equal(draw(g1), draw(g2))


def test_normal_statistics_and_zero_gradient():
    lg.manual_seed(0)
    mean = lg.tensor([[-3.0], [5.0]], requires_grad=True)
    std = lg.tensor([0.5, 2.0, 0.0], requires_grad=True)
    x = lg.normal(mean.expand(2, 3).clone(), std.expand(20000, 2, 3).clone())
    assert x.shape == (20000, 2, 3) and x.requires_grad
    np.testing.assert_allclose(x.mean(0).detach().numpy(), [[-3] * 3, [5] * 3], atol=0.05)
    np.testing.assert_allclose(x.std(0).detach().numpy(), [[0.5, 2, 0]] * 2, atol=0.05)
    x.sum().backward()  # as torch: the sample passes back a zero gradient
    assert np.array_equal(mean.grad.numpy(), np.zeros((2, 1)))
    assert np.array_equal(std.grad.numpy(), np.zeros(3))


def test_bernoulli_frequencies_and_dtype():
    lg.manual_seed(0)
    p = lg.tensor([0.0, 0.2, 0.9, 1.0], dtype=lg.float64).expand(50000, 4)
    x = lg.bernoulli(p)
    assert x.dtype == lg.float64 and x.shape == (50000, 4)
    assert set(np.unique(x.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(x.mean(0).numpy(), [0, 0.2, 0.9, 1], atol=0.01)
    assert abs(lg.bernoulli(lg.zeros(50000), 0.3).mean().item() - 0.3) < 0.01
    assert abs(lg.zeros(50000).bernoulli().mean().item()) == 0
    ints = lg.zeros(50000, dtype=lg.long).bernoulli_(0.25)
    assert ints.dtype == lg.int64 and abs(ints.double().mean().item() - 0.25) < 0.01
    assert lg.zeros(3).bernoulli_(lg.tensor([0.0, 1.0, 1.0])).tolist() == [0, 1, 1]
    with pytest.raises(RuntimeError):
        lg.zeros(2, requires_grad=True).bernoulli_()


def test_multinomial_with_replacement_frequencies():
    lg.manual_seed(0)
    w = lg.tensor([[1.0, 2.0, 0.0, 7.0], [0.0, 0.0, 5.0, 5.0]])
    idx = lg.multinomial(w, 40000, replacement=True)
    assert idx.dtype == lg.int64 and idx.shape == (2, 40000)
    freq = np.stack([np.bincount(r, minlength=4) / 40000 for r in idx.numpy()])
    np.testing.assert_allclose(freq, (w / w.sum(1, keepdim=True)).numpy(), atol=0.01)


def test_multinomial_without_replacement():
    lg.manual_seed(0)
    w = lg.tensor([1.0, 2.0, 0.0, 7.0])
    firsts = []
    for _ in range(4000):
        idx = w.multinomial(3).tolist()
        assert len(set(idx)) == 3 and 2 not in idx  # no repeats; weight 0 comes last
        firsts.append(idx[0])
    np.testing.assert_allclose(np.bincount(firsts, minlength=4) / 4000, [0.1, 0.2, 0, 0.7],
                               atol=0.025)  # fmt: skip
    assert sorted(lg.multinomial(w, 4).tolist()) == [0, 1, 2, 3]
