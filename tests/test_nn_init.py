"""nn.init: the deterministic initializers equal torch's; the random ones have the right law and
are reproducible with generator=."""

from __future__ import annotations

import math
from contextlib import nullcontext

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import nn
from likelygrad.nn import init


def RNG():  # noqa: N802
    return np.random.default_rng(0)


def empty(*shape, dtype=np.float32):
    return nn.Parameter(np.full(shape, np.nan, dtype))


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 2, 3, 3), 2), ((4, 3, 1, 3, 2), 1)])
def test_deterministic_initializers_equal_torchs(shape, groups):
    torch = pytest.importorskip("torch")
    t = torch.empty(shape)
    torch.nn.init.dirac_(t, groups)
    np.testing.assert_array_equal(init.dirac_(empty(*shape), groups).numpy(), t.numpy())
    for rows, cols in ((3, 5), (5, 3)):
        ref = torch.nn.init.eye_(torch.empty(rows, cols)).numpy()
        np.testing.assert_array_equal(init.eye_(empty(rows, cols)).numpy(), ref)
    np.testing.assert_array_equal(init.constant_(empty(2, 3), 0.25).numpy(), np.full((2, 3), 0.25))
    names = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose2d", "sigmoid", "tanh", "relu"]
    for name in names + ["selu", "leaky_relu"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", 0.2) == torch.nn.init.calculate_gain("leaky_relu", 0.2)


def test_initializer_errors():
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(empty(2, 2, 2))
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(empty(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(empty(3, 2, 2), groups=2)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        init.orthogonal_(empty(3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity softsign"):
        init.calculate_gain("softsign")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        init.xavier_uniform_(empty(4))


@pytest.mark.parametrize("shape,gain", [((6, 4), 1.0), ((3, 8), 2.0), ((4, 2, 3), 0.5)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, gain):
    q = init.orthogonal_(empty(*shape, dtype=np.float64), gain=gain).numpy().reshape(shape[0], -1)
    small = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
    np.testing.assert_allclose(small, gain**2 * np.eye(len(small)), atol=1e-12)


def truncated_moments(a, b):
    """Mean and variance of N(0, 1) conditioned on [a, b]."""
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    z = 0.5 * (math.erf(b / math.sqrt(2)) - math.erf(a / math.sqrt(2)))
    mean = (pdf(a) - pdf(b)) / z
    var = 1 + (a * pdf(a) - b * pdf(b)) / z - mean**2
    return mean, var


@pytest.mark.parametrize("a,b", [(-2.0, 2.0), (-0.5, 3.0), (4.0, 5.0), (-9.0, -6.0)])
def test_trunc_normal_has_the_truncated_law(a, b):
    mean, std = 1.0, 2.0
    far = mean < a - 2 * std or mean > b + 2 * std
    with pytest.warns(UserWarning, match="more than 2 std") if far else nullcontext():
        t = init.trunc_normal_(empty(200, 250, dtype=np.float64), mean, std, a, b, generator=RNG())
    v = t.numpy()
    assert v.min() >= a and v.max() <= b
    m, var = truncated_moments((a - mean) / std, (b - mean) / std)
    z = (v - mean) / std
    assert z.mean() == pytest.approx(m, abs=5 * math.sqrt(var / z.size))
    assert z.var() == pytest.approx(var, rel=0.03)


def test_random_initializers_are_reproducible_with_a_generator():
    for fn in (
        lambda t, g: init.trunc_normal_(t, generator=g),
        lambda t, g: init.orthogonal_(t, generator=g),
        lambda t, g: init.sparse_(t, 0.5, generator=g),
    ):
        a = fn(empty(8, 6), lg.Generator().manual_seed(3)).numpy()
        b = fn(empty(8, 6), lg.Generator().manual_seed(3)).numpy()
        np.testing.assert_array_equal(a, b)
        assert np.isfinite(a).all()


def test_sparse_zeroes_the_asked_fraction_of_each_column():
    v = init.sparse_(
        empty(10, 7), sparsity=0.3, std=0.5, generator=np.random.default_rng(1)
    ).numpy()
    assert ((v == 0).sum(axis=0) == 3).all()


def test_initializers_fill_in_place_without_recording():
    w = empty(3, 4)
    out = init.orthogonal_(w)
    assert out is w and w.is_leaf and w.grad_fn is None and w.requires_grad
