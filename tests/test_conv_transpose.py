"""Transposed convolutions and max-unpooling beyond the op table: modules against torch's
(values, gradients, state_dict keys, repr, initialization, output_size), errors, memory bounds."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import conv_ops, nn

F = nn.functional


def _torch():
    return pytest.importorskip("torch")


def _same_weights(m, t):
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})


@pytest.mark.parametrize(
    "nd, args, kw, x_shape",
    [
        (1, (3, 4, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 9)),
        (2, (4, 6, (3, 2)), {"stride": 2, "padding": 1, "groups": 2, "dilation": (1, 2)},
         (2, 4, 5, 6)),
        (2, (3, 2, 4), {"stride": 1, "dilation": 3, "output_padding": 2, "bias": False},
         (1, 3, 4, 4)),
        (3, (2, 4, 2), {"stride": 2, "output_padding": (1, 0, 1)}, (1, 2, 3, 4, 2)),
    ],
)  # fmt: skip
def test_module_matches_torch_module(nd, args, kw, x_shape):
    """Same weights in: same outputs and input, weight and bias gradients out; torch's
    state_dict keys, weight layout and repr."""
    torch = _torch()
    t = getattr(torch.nn, f"ConvTranspose{nd}d")(*args, **kw).double()
    m = getattr(nn, f"ConvTranspose{nd}d")(*args, **kw, dtype=lg.float64)
    assert list(m.state_dict()) == list(t.state_dict())
    assert m.weight.shape == tuple(t.weight.shape)
    assert repr(m) == repr(t)
    _same_weights(m, t)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape)
    tx, lx = torch.tensor(x, requires_grad=True), lg.tensor(x, requires_grad=True)
    ty, ly = t(tx), m(lx)
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ly.backward(lg.tensor(g))
    np.testing.assert_allclose(ly.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-10)
    if m.bias is not None:
        np.testing.assert_allclose(m.bias.grad.numpy(), t.bias.grad.numpy(), rtol=1e-10)


def test_init_uses_fan_in_of_the_transposed_weight():
    """torch's reset_parameters reads fan_in off weight (in, out/groups, *K) as weight.size(1)
    ·∏K = out_channels/groups·∏K: weight and bias ~ U(±1/√fan_in)."""
    torch = _torch()
    m = nn.ConvTranspose2d(64, 8, (3, 5), groups=2, generator=np.random.default_rng(0))
    t = torch.nn.ConvTranspose2d(64, 8, (3, 5), groups=2)
    bound = 1 / math.sqrt(4 * 3 * 5)
    w = m.weight.numpy()
    assert w.shape == (64, 4, 3, 5) == tuple(t.weight.shape) and w.dtype == np.float32
    assert bound * 0.99 < np.abs(w).max() <= bound
    assert bound * 0.99 < t.weight.abs().max().item() <= bound  # the same law as torch's
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound  # the std of U(-a, a) is a/√3
    assert bound * 0.5 < np.abs(m.bias.numpy()).max() <= bound


def test_reprs_match_torch():
    torch = _torch()
    for nd, args, kw in [
        (2, (4, 3, 3), {}),
        (2, (4, 6, (3, 2)), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2,
                             "bias": False, "dilation": 2}),
        (1, (4, 3, 3), {"padding": 2}),
        (3, (4, 3, 3), {"output_padding": (0, 1, 0), "stride": 2}),
    ]:  # fmt: skip
        name = f"ConvTranspose{nd}d"
        assert repr(getattr(nn, name)(*args, **kw)) == repr(getattr(torch.nn, name)(*args, **kw))


@pytest.mark.parametrize(
    "nd, kw, x_shape, output_size",
    [
        (2, {"stride": 2}, (2, 4, 5, 5), (12, 12)),
        (2, {"stride": 2}, (2, 4, 5, 5), (11, 12)),
        (2, {"stride": 3, "padding": 1}, (2, 4, 5, 4), [2, 3, 15, 12]),  # with N and C
        (2, {"stride": 2}, (4, 5, 5), (3, 12, 11)),  # unbatched, with C
        (2, {"stride": 2, "dilation": 3, "output_padding": 1}, (1, 4, 3, 3), (12, 11)),
        (1, {"stride": 4}, (2, 4, 6), [26]),
    ],
)
def test_output_size_picks_output_padding_as_torch(nd, kw, x_shape, output_size):
    torch = _torch()
    t = getattr(torch.nn, f"ConvTranspose{nd}d")(4, 3, 3, **kw).double()
    m = getattr(nn, f"ConvTranspose{nd}d")(4, 3, 3, **kw, dtype=lg.float64)
    _same_weights(m, t)
    x = np.random.default_rng(1).standard_normal(x_shape)
    want = t(torch.tensor(x), output_size=output_size).detach().numpy()
    got = m(lg.tensor(x), output_size=output_size).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "kw, x_shape, output_size",
    [
        ({"stride": 2}, (2, 4, 5, 5), (13, 12)),  # above the range a stride allows
        ({"stride": 2}, (2, 4, 5, 5), (10, 11)),  # below the smallest
        ({"stride": 1, "dilation": 3}, (2, 4, 5, 5), (12, 12)),  # stride 1: one size only
        ({"stride": 2}, (2, 4, 5, 5), (12,)),  # too few sizes
        ({"stride": 2}, (4, 5, 5), (2, 4, 12, 12)),  # N and C for an unbatched input
    ],
)
def test_bad_output_size_raises_torchs_error(kw, x_shape, output_size):
    torch = _torch()
    x = np.zeros(x_shape)
    with pytest.raises(ValueError) as theirs:
        torch.nn.ConvTranspose2d(4, 3, 3, **kw).double()(torch.tensor(x), output_size)
    message = str(theirs.value).split(" (for an input")[0]  # torch prints a torch.Size there
    with pytest.raises(ValueError, match=re.escape(message)):
        nn.ConvTranspose2d(4, 3, 3, **kw, dtype=lg.float64)(lg.tensor(x), output_size)


def test_errors_name_the_shapes():
    x, w = lg.zeros(2, 4, 5, 5), lg.zeros(4, 3, 3, 3)
    with pytest.raises(RuntimeError, match=r"input \(2, 3, 5, 5\) has 3 channels, weight "
                       r"\(4, 3, 3, 3\) expects 4"):  # fmt: skip
        F.conv_transpose2d(lg.zeros(2, 3, 5, 5), w)
    with pytest.raises(ValueError, match="channels"):  # a ValueError too
        F.conv_transpose2d(lg.zeros(2, 3, 5, 5), w)
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride "
                       r"or dilation.*output_padding=\(2, 2\), stride=\(2, 2\)"):  # fmt: skip
        F.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match=r"output of size \(-1, -1\).*too small"):
        F.conv_transpose2d(x, w, padding=4)
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D .* \[2, 100\]"):
        F.conv_transpose2d(lg.zeros(2, 100), w)
    with pytest.raises(RuntimeError, match="groups=3 must divide"):
        F.conv_transpose2d(x, w, groups=3)
    with pytest.raises(RuntimeError, match=r"bias must have shape \(3,\), got \(4,\)"):
        F.conv_transpose2d(x, w, lg.zeros(4))
    with pytest.raises(RuntimeError, match="input is float64 but weight is float32"):
        F.conv_transpose2d(x.double(), w)
    with pytest.raises(TypeError, match="no 'same' or 'valid'"):
        F.conv_transpose2d(x, w, padding="same")
    for kw, what in [({"stride": 0}, "non-positive stride"), ({"dilation": 0}, "dilation"),
                     ({"padding": -1}, "negative padding"), ({"groups": 0}, "groups"),
                     ({"output_padding": -1}, "negative output_padding")]:  # fmt: skip
        with pytest.raises(RuntimeError, match=what):
            F.conv_transpose2d(x, w, **kw)
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for '
                       "ConvTranspose2d"):  # fmt: skip
        nn.ConvTranspose2d(4, 3, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.ConvTranspose2d(3, 4, 3, groups=2)
    with pytest.raises(TypeError, match="no 'same' or 'valid'"):
        nn.ConvTranspose2d(4, 3, 3, padding="same")


def test_batches_above_the_unfold_limit_are_processed_in_slices(monkeypatch):
    """A tiny MAX_UNFOLD_BYTES forces one example per slice of the backward pass: the same
    gradients."""
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((5, 4, 4, 3)), rng.standard_normal((4, 3, 3, 3)), np.ones(6)

    def run():
        ts = [lg.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.conv_transpose2d(*ts, stride=2, padding=1, output_padding=1, groups=2)
        (y * y).sum().backward()
        return [y.numpy()] + [t.grad.numpy() for t in ts]

    whole = run()
    monkeypatch.setattr(conv_ops, "MAX_UNFOLD_BYTES", 1)
    for a, b_ in zip(whole, run()):
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-12)


def test_is_the_input_gradient_of_the_convolution():
    """conv_transpose2d(g, w) = d⟨conv2d(x, w), g⟩/dx: the definition, on an odd geometry."""
    rng = np.random.default_rng(3)
    x = lg.tensor(rng.standard_normal((2, 3, 9, 8)), requires_grad=True)
    w = lg.tensor(rng.standard_normal((4, 3, 3, 2)))
    kw = {"stride": (2, 3), "padding": (1, 0), "dilation": (1, 2)}
    y = F.conv2d(x, w, **kw)
    g = lg.tensor(rng.standard_normal(y.shape))
    (y * g).sum().backward()
    # conv2d of 9×8 gives 5×2 (the last 2 columns unread): 9×6 back, output_padding (0, 2)
    back = F.conv_transpose2d(g, w, output_padding=(0, 2), **kw)
    np.testing.assert_allclose(back.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_unbatched_and_float32():
    y = nn.ConvTranspose1d(2, 3, 3, stride=2)(lg.randn(2, 7))
    assert y.shape == (3, 15) and y.dtype == lg.float32
