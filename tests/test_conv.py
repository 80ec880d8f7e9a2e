"""Convolutional layers beyond the op table: modules against torch's, errors, memory bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import conv_ops, nn
from likelygrad.conv_ops import ShapeError

F = nn.functional


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize(
    "cls, args, x_shape",
    [
        ("Conv1d", (3, 4, 3), (2, 3, 10)),
        ("Conv2d", (3, 6, (3, 2)), (2, 3, 9, 8)),
        ("Conv3d", (2, 4, 2), (1, 2, 4, 5, 6)),
    ],
)
def test_module_matches_torch_module(cls, args, x_shape):
    """Same weights in: same outputs and gradients out; the state_dict keys are torch's."""
    torch = _torch()
    kw = {"stride": 2, "padding": 1, "dilation": 1, "groups": 1}
    t = getattr(torch.nn, cls)(*args, **kw).double()
    m = getattr(nn, cls)(*args, **kw, dtype=lg.float64)
    assert list(m.state_dict()) == list(t.state_dict())
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(x_shape)
    tx, lx = torch.tensor(x, requires_grad=True), lg.tensor(x, requires_grad=True)
    ty, ly = t(tx), m(lx)
    ty.sum().backward()
    ly.sum().backward()
    np.testing.assert_allclose(ly.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(m.bias.grad.numpy(), t.bias.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "nd, x_shape, padding, stride, dilation",
    [
        (1, (2, 3, 9), 2, 2, 1),
        (2, (2, 3, 8, 7), 1, 1, 1),
        (2, (1, 2, 7, 6), "same", 1, 2),
        (2, (1, 2, 6, 6), "valid", 1, 1),
        (3, (1, 2, 5, 6, 4), 1, 2, 1),
    ],
)
def test_padding_modes_match_torch(mode, nd, x_shape, padding, stride, dilation):
    """padding_mode reflect/replicate/circular: torch's values, gradients and repr."""
    torch = _torch()
    kw = {"stride": stride, "padding": padding, "dilation": dilation, "padding_mode": mode}
    t = getattr(torch.nn, f"Conv{nd}d")(x_shape[1], 4, 3, **kw).double()
    m = getattr(nn, f"Conv{nd}d")(x_shape[1], 4, 3, **kw, dtype=lg.float64)
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    assert repr(m) == repr(t)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape)
    tx, lx = torch.tensor(x, requires_grad=True), lg.tensor(x, requires_grad=True)
    ty, ly = t(tx), m(lx)
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ly.backward(lg.tensor(g))
    np.testing.assert_allclose(ly.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-10)


def test_init_is_torchs_uniform_with_fan_in_of_the_group():
    """weight and bias ~ U(±1/√fan_in), fan_in = in_channels/groups · kernel area."""
    m = nn.Conv2d(8, 64, (3, 5), groups=2, generator=np.random.default_rng(0))
    bound = 1 / math.sqrt(4 * 3 * 5)
    w = m.weight.numpy()
    assert w.shape == (64, 4, 3, 5) and w.dtype == np.float32
    assert bound * 0.97 < np.abs(w).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound  # the std of U(-a, a) is a/√3
    assert np.abs(m.bias.numpy()).max() <= bound


def test_repr_is_torchs():
    torch = _torch()
    for args, kw in [
        ((1, 32, 3), {}),
        ((2, 4, 3), {"padding": "same", "groups": 2, "bias": False, "dilation": 2}),
        ((2, 4, (3, 1)), {"stride": (2, 1), "padding": (1, 0)}),
    ]:
        assert repr(nn.Conv2d(*args, **kw)) == repr(torch.nn.Conv2d(*args, **kw))
    assert repr(nn.Conv1d(2, 4, 3, padding=1)) == repr(torch.nn.Conv1d(2, 4, 3, padding=1))


def test_errors_name_the_shapes():
    w = lg.zeros(4, 1, 3, 3)
    with pytest.raises(RuntimeError, match=r"input \(2, 3, 8, 8\) has 3 channels, weight .* 1"):
        F.conv2d(lg.zeros(2, 3, 8, 8), w)
    with pytest.raises(ValueError, match="channels"):  # a ValueError too
        F.conv2d(lg.zeros(2, 3, 8, 8), w)
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D .* \[2, 784\]"):
        F.conv2d(lg.zeros(2, 784), w)
    with pytest.raises(RuntimeError, match=r"padded input is \(2, 2\).*spans \(3, 3\)"):
        F.conv2d(lg.zeros(1, 1, 2, 2), w)
    with pytest.raises(RuntimeError, match="groups=2 must divide"):
        F.conv2d(lg.zeros(1, 2, 5, 5), lg.zeros(3, 1, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match="input is float64 but weight is float32"):
        F.conv2d(lg.zeros(1, 1, 5, 5, dtype=lg.float64), w)
    with pytest.raises(RuntimeError, match="floating-point"):
        F.conv2d(lg.zeros(1, 1, 5, 5, dtype=lg.int64), w.long())
    with pytest.raises(ValueError, match="not supported for strided convolutions"):
        F.conv2d(lg.zeros(1, 1, 5, 5), w, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        F.conv2d(lg.zeros(1, 1, 5, 5), w, padding="full")
    with pytest.raises(RuntimeError, match="negative padding"):
        F.conv2d(lg.zeros(1, 1, 5, 5), w, padding=-1)
    with pytest.raises(RuntimeError, match="non-positive stride"):
        F.conv2d(lg.zeros(1, 1, 5, 5), w, stride=0)
    with pytest.raises(RuntimeError, match="list of 2 values"):
        F.conv2d(lg.zeros(1, 1, 5, 5), w, stride=(1, 1, 1))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 4, 3, padding_mode="mirror")


def test_output_is_channels_last_view_with_torchs_values():
    """The GEMM's (N·P, O) result is returned as an (N, O, H, W) view: no transpose copy."""
    x = lg.randn(2, 3, 6, 6)
    y = nn.Conv2d(3, 5, 3)(x)
    assert y.shape == (2, 5, 4, 4)
    assert y.array.strides[1] == y.array.itemsize  # channels adjacent in memory
    np.testing.assert_array_equal(y.contiguous().numpy(), y.numpy())


def test_batches_above_the_unfold_limit_are_processed_in_slices(monkeypatch):
    """A tiny MAX_UNFOLD_BYTES forces one example per slice: the same values and gradients."""
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((5, 4, 7, 6)), rng.standard_normal((6, 2, 3, 3)), np.ones(6)

    def run():
        ts = [lg.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.conv2d(*ts, padding=1, groups=2)
        (y * y).sum().backward()
        return [y.numpy()] + [t.grad.numpy() for t in ts]

    whole = run()
    per_example = conv_ops.unfold_nbytes(
        conv_ops.conv_window("conv2d", x.shape, w.shape, (1, 1), ((1, 1),) * 2, (1, 1), 2),
        1, 4, 8,
    )  # fmt: skip
    assert per_example == 7 * 6 * 9 * 4 * 8  # positions · taps · channels · bytes
    monkeypatch.setattr(conv_ops, "MAX_UNFOLD_BYTES", per_example)
    for a, b_ in zip(run(), whole):
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-12)


def test_unbatched_and_float32():
    m = nn.Conv1d(2, 3, 3, padding="same")
    y = m(lg.randn(2, 7))
    assert y.shape == (3, 7) and y.dtype == lg.float32


def test_trains_a_tiny_cnn_to_separate_two_patterns():
    """Vertical vs horizontal bars, anywhere in the image: a conv + max-pool net learns it."""
    rng = np.random.default_rng(0)
    n = 64
    x = np.zeros((n, 1, 8, 8), np.float32)
    y = rng.integers(0, 2, n)
    for i in range(n):
        r, c = rng.integers(0, 6, 2)
        if y[i]:
            x[i, 0, r : r + 3, c] = 1
        else:
            x[i, 0, r, c : c + 3] = 1
    lg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(4, 2),
    )  # fmt: skip
    opt = lg.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        loss = F.cross_entropy(model(lg.tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    acc = (model(lg.tensor(x)).argmax(1).numpy() == y).mean()
    assert acc == 1.0, acc


def test_shape_error_is_runtime_and_value_error():
    assert issubclass(ShapeError, RuntimeError) and issubclass(ShapeError, ValueError)
