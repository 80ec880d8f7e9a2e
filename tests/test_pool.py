"""Pooling beyond the op table: PyTorch's choice among ties, nan and -inf, indices, errors."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import nn

F = nn.functional


def _torch():
    return pytest.importorskip("torch")


def _both(x, f_lg, f_torch, layout="first"):
    """Values and input gradients (with a random output gradient) of the same pooling."""
    torch = _torch()
    tx = torch.tensor(x, requires_grad=True)
    ty = f_torch(tx)
    v = np.random.default_rng(1).integers(-4, 5, tuple(ty.shape)).astype(np.float64)  # exact sums
    ty.backward(torch.tensor(v))
    if layout == "last":  # the same values, stored channels-last
        leaf = lg.tensor(np.ascontiguousarray(np.moveaxis(x, 1, -1)), requires_grad=True)
        lx = leaf.permute(0, 3, 1, 2)
    else:
        leaf = lx = lg.tensor(x, requires_grad=True)
    ly = f_lg(lx)
    ly.backward(v)
    grad = leaf.grad.numpy()
    grad = np.moveaxis(grad, -1, 1) if layout == "last" else grad
    return (ly.numpy(), grad), (ty.detach().numpy(), tx.grad.numpy())


CASES = [
    ((2,), {}),
    ((2, 1), {}),
    ((3, 2, 1), {}),
    ((3, 1, 1), {"ceil_mode": True}),
    (((2, 3), (1, 2), (1, 1), (2, 1)), {}),
    ((3, 3, 1, 1), {"ceil_mode": True}),
]


@pytest.mark.parametrize("layout", ["first", "last"])
@pytest.mark.parametrize("args, kw", CASES)
def test_max_pool_ties_go_where_torch_sends_them(args, kw, layout):
    """Small integers make many ties; torch's kernel picks the first maximum in scan order
    (row by row): values and gradients must agree exactly."""
    x = np.random.default_rng(0).integers(-2, 3, (2, 3, 7, 8)).astype(np.float64)
    x[0, 0] = 0.0  # a whole plane of ties, as ReLU makes
    ours, theirs = _both(
        x,
        lambda t: F.max_pool2d(t, *args, **kw),
        lambda t: _torch().nn.functional.max_pool2d(t, *args, **kw),
        layout,
    )
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])


@pytest.mark.parametrize("args", [(2,), (3, 2, 1), (3, 1, 1, 2, True)])
def test_max_pool_in_blocks_of_the_batch_is_the_same(args, monkeypatch):
    """NumPy pools a block of the batch at a time (to stay in cache): one example per block
    must give what the whole batch in one block gives."""
    from likelygrad import window_kernels_numpy

    x = np.random.default_rng(0).integers(-2, 3, (5, 3, 7, 8)).astype(np.float64)
    whole = _both(x, lambda t: F.max_pool2d(t, *args), lambda t: _torch_pool(t, args), "last")
    monkeypatch.setattr(window_kernels_numpy, "CACHE_BYTES", 1)
    for layout in ("first", "last"):
        blocks = _both(x, lambda t: F.max_pool2d(t, *args), lambda t: _torch_pool(t, args), layout)
        for ours, reference in zip(blocks[0], whole[1]):
            np.testing.assert_array_equal(ours, reference)


def _torch_pool(t, args):
    return _torch().nn.functional.max_pool2d(t, *args)


def test_max_pool_tie_is_first_in_row_major_order():
    """[[0, 1], [1, 0]]: the maximum at (0, 1) comes before (1, 0) row by row."""
    x = lg.tensor([[[[0.0, 1.0], [1.0, 0.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.numpy().ravel().tolist() == [0.0, 1.0, 0.0, 0.0]


def test_max_pool_nan_and_infinities_as_torch():
    inf, nan = np.inf, np.nan
    x = np.array([[[[1.0, nan, 3.0, -inf], [nan, 1.0, inf, 2.0], [-inf, -inf, 0.0, 0.0],
                    [-inf, -inf, 0.0, 5.0]]]])  # fmt: skip
    for args in [(2,), (2, 1), (2, 2, 1), (3, 1, 1)]:
        ours, theirs = _both(
            x,
            lambda t, a=args: F.max_pool2d(t, *a),
            lambda t, a=args: _torch().nn.functional.max_pool2d(t, *a),
        )
        np.testing.assert_array_equal(ours[0], theirs[0])
        np.testing.assert_array_equal(ours[1], theirs[1])


def test_an_all_minus_inf_window_sends_its_gradient_inside_the_input():
    """Padding holds -inf too; torch picks the window's first element inside the input."""
    ours, theirs = _both(
        np.full((1, 1, 3, 4), -np.inf),
        lambda t: F.max_pool2d(t, 2, 2, 1),
        lambda t: _torch().nn.functional.max_pool2d(t, 2, 2, 1),
    )
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[1].sum() == theirs[1].sum() != 0


def test_infinite_output_gradient_stays_in_its_tap():
    """g = inf must not become nan on the taps that lost (inf · 0)."""
    x = lg.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    F.max_pool2d(x, 2).backward(np.full((1, 1, 2, 2), np.inf))
    g = x.grad.numpy()[0, 0]
    assert np.isinf(g[1::2, 1::2]).all() and (g[0::2] == 0).all() and (g[:, 0::2] == 0).all()


@pytest.mark.parametrize("args", [(2,), (3, 2, 1), (3, 2, 1, 2, True), ((2, 3), 1, (1, 1))])
def test_return_indices_match_torch(args):
    torch = _torch()
    x = np.random.default_rng(0).integers(0, 4, (2, 3, 7, 8)).astype(np.float32)
    _, ti = torch.nn.functional.max_pool2d(torch.tensor(x), *args, return_indices=True)
    y, li = F.max_pool2d(lg.tensor(x), *args, return_indices=True)
    assert li.dtype == lg.int64
    np.testing.assert_array_equal(li.numpy(), ti.numpy())
    _, ti1 = torch.nn.functional.max_pool1d(torch.tensor(x[0]), 3, 2, 1, return_indices=True)
    _, li1 = F.max_pool1d(lg.tensor(x[0]), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(li1.numpy(), ti1.numpy())


def test_modules_and_reprs_match_torch():
    torch = _torch()
    pairs = [
        (nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
        (nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
        (nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1)),
        (nn.AdaptiveAvgPool2d((1, 1)), torch.nn.AdaptiveAvgPool2d((1, 1))),
        (nn.MaxPool1d(2), torch.nn.MaxPool1d(2)),
        (nn.AvgPool1d(2), torch.nn.AvgPool1d(2)),
        (nn.AdaptiveAvgPool1d(3), torch.nn.AdaptiveAvgPool1d(3)),
    ]
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 8)).astype(np.float32)
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        xx = x[:, :, 0] if "1d" in repr(ours) else x
        np.testing.assert_allclose(
            ours(lg.tensor(xx)).numpy(), theirs(torch.tensor(xx)).numpy(), rtol=1e-6, atol=1e-6
        )


def test_errors():
    x = lg.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="pad should be at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match=r"too small: calculated output size \(0, 0\)"):
        F.max_pool2d(lg.zeros(1, 1, 1, 1), 2)
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D .*\[4, 4\]"):
        F.max_pool2d(lg.zeros(4, 4), 2)
    with pytest.raises(ValueError, match="stride must be positive"):
        F.avg_pool2d(x, 2, 0)
    with pytest.raises(RuntimeError, match="divisor must be a non-zero integer"):
        F.avg_pool2d(x, 2, divisor_override=0)


def test_global_average_pooling_is_the_spatial_mean():
    x = lg.randn(3, 4, 5, 6, requires_grad=True)
    y = F.adaptive_avg_pool2d(x, 1)
    assert y.shape == (3, 4, 1, 1)
    np.testing.assert_allclose(y.numpy()[..., 0, 0], x.numpy().mean(axis=(2, 3)), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(x.shape, 1 / 30), rtol=1e-6)
