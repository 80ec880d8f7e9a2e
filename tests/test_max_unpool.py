"""Max-unpooling beyond the op table: modules against torch's (values, gradients, repr,
default and given output sizes), repeated indices, and errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import nn

F = nn.functional


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize(
    "nd, pool_kw, x_shape, output_size",
    [
        (2, {"kernel_size": 2}, (2, 3, 6, 8), None),
        (2, {"kernel_size": 2}, (2, 3, 7, 5), "input"),  # odd sizes: output_size restores them
        (2, {"kernel_size": (2, 3), "stride": (2, 1), "padding": (1, 0)}, (1, 2, 6, 7), None),
        (2, {"kernel_size": 3, "stride": 2}, (2, 2, 7, 7), "input"),  # overlapping windows
        (2, {"kernel_size": 2}, (3, 6, 6), None),  # unbatched
        (1, {"kernel_size": 3, "stride": 2, "padding": 1}, (2, 3, 9), "input"),
        (1, {"kernel_size": 2}, (3, 8), None),  # unbatched
    ],
)
def test_modules_match_torch(nd, pool_kw, x_shape, output_size):
    """MaxPool(return_indices=True) then MaxUnpool, both frameworks: values and the gradient
    that reaches the pooled input, with torch's reprs."""
    torch = _torch()
    pool_t = getattr(torch.nn, f"MaxPool{nd}d")(**pool_kw, return_indices=True)
    unpool_t = getattr(torch.nn, f"MaxUnpool{nd}d")(**pool_kw)
    pool = getattr(nn, f"MaxPool{nd}d")(**pool_kw, return_indices=True)
    unpool = getattr(nn, f"MaxUnpool{nd}d")(**pool_kw)
    assert repr(unpool) == repr(unpool_t)
    rng = np.random.default_rng(0)
    x = rng.permutation(np.prod(x_shape)).reshape(x_shape) * 0.1  # no ties
    size = x_shape[-nd:] if output_size == "input" else None
    tx, lx = torch.tensor(x, requires_grad=True), lg.tensor(x, requires_grad=True)
    ty, ly = unpool_t(*pool_t(tx), output_size=size), unpool(*pool(lx), output_size=size)
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ly.backward(lg.tensor(g))
    np.testing.assert_array_equal(ly.numpy(), ty.detach().numpy())
    np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_repeated_index_keeps_the_last_value_and_sends_the_gradient_to_each():
    """Overlapping windows with one maximum name it twice: torch's forward keeps the last value
    written there, and its backward reads the gradient there for every value sent."""
    torch = _torch()
    x = np.array([[[1.0, 5, 2, 0, 3]]])
    scale = np.array([1.0, 2, 3])
    tx, lx = torch.tensor(x), lg.tensor(x)
    (ty, ti), (ly, li) = (F_.max_pool1d(v, 3, stride=1, return_indices=True)
                          for F_, v in ((torch.nn.functional, tx), (F, lx)))  # fmt: skip
    assert li.tolist() == ti.tolist() == [[[1, 1, 4]]]
    ta = (ty * torch.tensor(scale)).requires_grad_(True)
    la = (ly * lg.tensor(scale)).requires_grad_(True)
    tu = torch.nn.functional.max_unpool1d(ta, ti, 3, stride=1)
    lu = F.max_unpool1d(la, li, 3, stride=1)
    g = np.arange(5.0).reshape(1, 1, 5)
    tu.backward(torch.tensor(g))
    lu.backward(lg.tensor(g))
    np.testing.assert_array_equal(lu.numpy(), tu.detach().numpy())  # [0, 10, 0, 0, 9]
    np.testing.assert_array_equal(la.grad.numpy(), ta.grad.numpy())  # [1, 1, 4]
    assert la.grad.tolist() == [[[1.0, 1.0, 4.0]]]


@pytest.mark.parametrize(
    "args, kw",
    [
        ((2,), {"output_size": (8, 7)}),  # a stride or more from the default
        ((2,), {"output_size": (7,)}),  # the wrong number of sizes
        ((2,), {"output_size": [0, 0]}),
        ((5, 1, 5), {}),  # a negative default size
    ],
)
def test_bad_output_sizes_raise_torchs_errors(args, kw):
    torch = _torch()
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 7))
    y, i = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    with pytest.raises(ValueError) as theirs:
        torch.nn.functional.max_unpool2d(y, i, *args, **kw)
    with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
        F.max_unpool2d(lg.tensor(y.numpy()), lg.tensor(i.numpy()), *args, **kw)


def test_errors_name_the_problem():
    y, i = F.max_pool2d(lg.randn(2, 3, 6, 7), 2, return_indices=True)
    # the default output is 6×6, but the indices count in planes 7 wide
    with pytest.raises(RuntimeError, match=r"invalid max index: \d+ \(output volumes are of "
                       "size 6x6.*output_size="):  # fmt: skip
        F.max_unpool2d(y, i, 2)
    assert F.max_unpool2d(y, i, 2, output_size=(6, 7)).shape == (2, 3, 6, 7)
    with pytest.raises(RuntimeError, match="invalid max index: -1"):
        F.max_unpool2d(y, i - i - 1, 2, output_size=(6, 7))
    with pytest.raises(RuntimeError, match="should be type int64 but got: float32"):
        F.max_unpool2d(y, i.float(), 2, output_size=(6, 7))
    with pytest.raises(RuntimeError, match=r"same as that of the input tensor \(2, 3, 3, 3\) "
                       r"but got indices tensor with shape: \(2, 2, 3, 3\)"):  # fmt: skip
        F.max_unpool2d(y, i[:, :2], 2, output_size=(6, 7))
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D"):
        F.max_unpool2d(y.reshape(6, -1), i.reshape(6, -1), 2)
    with pytest.raises(NotImplementedError, match="float"):
        F.max_unpool2d(y.long(), i, 2, output_size=(6, 7))
    assert F.max_unpool2d(lg.zeros(0, 3, 2, 2), lg.zeros(0, 3, 2, 2).long(), 2).shape == (
        0, 3, 4, 4,
    )  # fmt: skip


def test_onnx_export_is_refused_with_the_reason():
    from likelygrad.onnx import UnsupportedLayerError
    from likelygrad.onnx.registry import exporter_for

    m = nn.MaxUnpool2d(2)
    with pytest.raises(UnsupportedLayerError, match="second input.*indices of a MaxPool"):
        exporter_for(m)(None, m, "input", lg.zeros(1, 1, 2, 2))
