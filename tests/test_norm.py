"""Normalization layers, Embedding and Dropout2d against torch's modules: training steps, eval,
running statistics and their buffers in state_dict."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import nn

F = nn.functional


def _torch():
    return pytest.importorskip("torch")


def _pair(cls: str, *args, **kw):
    """The same layer in both libraries, float64, torch's parameters copied into ours."""
    torch = _torch()
    t = getattr(torch.nn, cls)(*args, **kw).double()
    m = getattr(nn, cls)(*args, **kw, dtype=lg.float64)
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    return m, t


@pytest.mark.parametrize(
    "cls, shape, kw",
    [
        ("BatchNorm2d", (4, 3, 5, 6), {}),
        ("BatchNorm2d", (4, 3, 5, 6), {"momentum": None}),
        ("BatchNorm2d", (2, 3, 3, 2), {"track_running_stats": False}),
        ("BatchNorm2d", (4, 3, 5, 6), {"affine": False, "momentum": 0.3}),
        ("BatchNorm2d", (4, 3, 5, 6), {"bias": False, "eps": 0.1}),
        ("BatchNorm1d", (5, 3), {}),
        ("BatchNorm1d", (4, 3, 7), {"momentum": None}),
        ("BatchNorm3d", (2, 3, 2, 3, 2), {}),
    ],
)
def test_batch_norm_trains_and_evaluates_as_torch(cls, shape, kw):
    """Three training steps (outputs, input and parameter gradients, running statistics with
    the unbiased variance and num_batches_tracked), then eval mode."""
    torch = _torch()
    m, t = _pair(cls, 3, **kw)
    rng = np.random.default_rng(1)
    for step in range(4):
        if step == 3:
            m.eval(), t.eval()
        x = rng.standard_normal(shape) * 3 + 1
        v = rng.standard_normal(shape)
        tx, lx = torch.tensor(x, requires_grad=True), lg.tensor(x, requires_grad=True)
        t(tx).backward(torch.tensor(v))
        m(lx).backward(v)
        np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
        for (name, a), b in zip(m.named_parameters(), t.parameters()):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, err_msg=name)
    ours, theirs = m.state_dict(), t.state_dict()
    assert list(ours) == list(theirs)
    for k in theirs:
        np.testing.assert_allclose(ours[k].numpy(), theirs[k].numpy(), rtol=1e-12, err_msg=k)
        assert ours[k].dtype == theirs[k].numpy().dtype, k


def test_batch_norm_buffers_are_state_not_parameters():
    m = nn.BatchNorm2d(4)
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in m.named_buffers()] == [
        "running_mean", "running_var", "num_batches_tracked",
    ]  # fmt: skip
    assert m.num_batches_tracked.dtype == lg.int64 and m.running_var.dtype == lg.float32
    m.double()  # floating buffers follow the dtype; the counter stays an integer
    assert m.running_mean.dtype == lg.float64 and m.num_batches_tracked.dtype == lg.int64
    m(lg.randn(3, 4, 2, 2, dtype=lg.float64))
    other = nn.BatchNorm2d(4, dtype=lg.float64)
    other.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(other.running_var.numpy(), m.running_var.numpy())
    assert int(other.num_batches_tracked) == 1


def test_batch_norm_batch_errors_and_empty_batch():
    m = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        m(lg.randn(1, 3))
    m.eval()
    assert m(lg.randn(1, 3)).shape == (1, 3)  # eval mode uses the running statistics
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(lg.randn(2, 3, 4))
    m = nn.BatchNorm2d(3)
    x = lg.zeros(0, 3, 4, 4, requires_grad=True)
    y = m(x)
    y.sum().backward()
    assert y.shape == (0, 3, 4, 4) and int(m.num_batches_tracked) == 1
    np.testing.assert_array_equal(m.running_mean.numpy(), np.zeros(3))  # untouched, as torch


def test_layer_and_group_norm_match_torch():
    torch = _torch()
    rng = np.random.default_rng(0)
    for (cls, args, kw), shape in [
        (("LayerNorm", ((4, 5),), {}), (2, 3, 4, 5)),
        (("LayerNorm", (5,), {"bias": False}), (3, 5)),
        (("LayerNorm", (5,), {"elementwise_affine": False}), (3, 5)),
        (("GroupNorm", (2, 4), {}), (3, 4, 5)),
        (("GroupNorm", (4, 4), {"affine": False}), (2, 4, 3, 3)),
    ]:
        m, t = _pair(cls, *args, **kw)
        assert repr(m) == repr(t)
        x, v = rng.standard_normal(shape), rng.standard_normal(shape)
        tx, lx = torch.tensor(x, requires_grad=True), lg.tensor(x, requires_grad=True)
        t(tx).backward(torch.tensor(v))
        m(lx).backward(v)
        np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
        for a, b in zip(m.parameters(), t.parameters()):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9)
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\], expected input with shape"):
        F.layer_norm(lg.randn(2, 3), (4,))


def test_reprs_match_torch():
    torch = _torch()
    for cls, args, kw in [
        ("BatchNorm2d", (8,), {}),
        ("BatchNorm1d", (8,), {"affine": False, "momentum": None}),
        ("BatchNorm2d", (8,), {"bias": False}),
        ("Embedding", (10, 3), {"padding_idx": 0, "max_norm": 1.0}),
        ("Dropout2d", (), {"p": 0.2}),
    ]:
        assert repr(getattr(nn, cls)(*args, **kw)) == repr(getattr(torch.nn, cls)(*args, **kw))


def test_embedding_module_and_options_match_torch():
    torch = _torch()
    w = np.random.default_rng(0).standard_normal((6, 3))
    idx = np.array([[0, 2, 2, 5], [5, 0, 2, 1]])
    for kw in [{}, {"padding_idx": 2}, {"padding_idx": -1, "scale_grad_by_freq": True},
               {"max_norm": 1.0, "norm_type": 1.0}]:  # fmt: skip
        t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, **kw)
        m = nn.Embedding.from_pretrained(lg.tensor(w), freeze=False, **kw)
        ty, ly = t(torch.tensor(idx)), m(lg.tensor(idx))
        v = np.random.default_rng(1).standard_normal(ly.shape)
        ty.backward(torch.tensor(v))
        ly.backward(v)
        np.testing.assert_allclose(ly.numpy(), ty.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(m.weight.detach().numpy(), t.weight.detach().numpy())
    emb = nn.Embedding(10, 4, padding_idx=3)
    assert (emb.weight.numpy()[3] == 0).all() and emb.weight.shape == (10, 4)
    with pytest.raises(IndexError, match="index 10 is out of range for a table of 10 rows"):
        emb(lg.tensor([1, 10]))
    with pytest.raises(RuntimeError, match="indices must be integers"):
        emb(lg.tensor([1.0]))
    with pytest.raises(NotImplementedError, match="sparse gradients"):
        nn.Embedding(3, 2, sparse=True)(lg.tensor([0]))
    frozen = nn.Embedding.from_pretrained(lg.ones(3, 2))
    assert not frozen.weight.requires_grad


def test_dropout2d_drops_whole_channels_with_probability_p():
    lg.manual_seed(0)
    x = lg.ones(200, 50, 3, 3)
    y = nn.Dropout2d(0.3)(x).numpy()
    per_channel = y.reshape(200, 50, 9)
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()  # all or nothing
    kept = (per_channel[:, :, 0] > 0).mean()
    assert abs(kept - 0.7) < 0.02 and np.allclose(y[y > 0], 1 / 0.7)
    m = nn.Dropout2d(0.3).eval()
    assert m(x) is x
    with pytest.warns(UserWarning, match="3-D input"):
        F.dropout2d(lg.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="2-D .* or 3-D"):
        F.dropout1d(lg.ones(2, 3, 4, 5))
    assert F.dropout1d(lg.ones(3, 4), 0.5).shape == (3, 4)
