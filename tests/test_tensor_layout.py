"""Tensor.stride() and Tensor.data_ptr() on the NumPy backend, against torch's for the same
views."""

from __future__ import annotations

import pytest

import likelygrad as lg

torch = pytest.importorskip("torch")

VIEWS = [
    lambda m: m.zeros(2, 3, 4),
    lambda m: m.zeros(2, 3, 4)[:, ::2],
    lambda m: m.zeros(2, 3, 4).transpose(0, 2),
    lambda m: m.zeros(2, 3, 4).permute(1, 2, 0),
    lambda m: m.zeros(3, 1).expand(3, 4),
    lambda m: m.zeros(3, 1),
    lambda m: m.tensor(1.0),
    lambda m: m.zeros(2, 3, 4)[1, :, 2],
    lambda m: m.arange(12).reshape(3, 4).t(),
]


@pytest.mark.parametrize("view", VIEWS)
def test_strides_match_torch(view):
    ours, theirs = view(lg), view(torch)
    assert ours.stride() == theirs.stride()
    for d in range(-ours.ndim, ours.ndim):
        assert ours.stride(d) == theirs.stride(d)


def test_stride_dim_out_of_range():
    with pytest.raises(IndexError):
        lg.zeros(2, 3).stride(2)


def test_data_ptr_follows_views():
    x = lg.zeros(2, 3, dtype=lg.float64)
    assert x.data_ptr() != 0
    assert x[0].data_ptr() == x.data_ptr() == x.view(6).data_ptr()
    assert x[1].data_ptr() - x.data_ptr() == 3 * 8
    assert x.clone().data_ptr() != x.data_ptr()
    assert lg.zeros(0).data_ptr() == 0 == torch.zeros(0).data_ptr()
