"""Custom ops as torch.autograd.Function: forward and backward on tensors, one graph node."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg


class LegendreP3(lg.autograd.Function):  # PyTorch's "Learning PyTorch with examples" Function
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x**3 - 3 * x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * x**2 - 1)


class ScaledMul(lg.autograd.Function):  # new style, a non-tensor argument, needs_input_grad
    @staticmethod
    def forward(x, y, scale):
        return x * y * scale

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, y, scale = inputs
        ctx.save_for_backward(x, y)
        ctx.scale = scale

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g * y * ctx.scale if ctx.needs_input_grad[0] else None
        gy = g * x * ctx.scale if ctx.needs_input_grad[1] else None
        return gx, gy, None


def test_gradients_check_and_match_the_built_in_ops():
    x = lg.tensor(np.linspace(-1, 1, 7), requires_grad=True)
    assert lg.gradcheck(LegendreP3.apply, x)
    y = LegendreP3.apply(x)
    assert y.grad_fn.name() == "LegendreP3Backward" and y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1.5 * (5 * x.numpy() ** 2 - 1), rtol=1e-12)
    a = lg.tensor([1.0, 2.0], requires_grad=True)
    b = lg.tensor([3.0, 4.0])
    assert lg.gradcheck(
        lambda u, v: ScaledMul.apply(u, v, 2.0), a, lg.tensor([3.0, 4.0], requires_grad=True)
    )
    ScaledMul.apply(a, b, 2.0).sum().backward()
    assert a.grad.tolist() == [6.0, 8.0] and b.grad is None


def test_in_place_change_of_a_saved_tensor_is_caught():
    x = lg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = LegendreP3.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_wrong_number_of_gradients_is_named():
    class Bad(lg.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    x = lg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(x, x).sum().backward()


def test_matches_torch():
    torch = pytest.importorskip("torch")

    class TorchP3(torch.autograd.Function):  # the same two methods, in torch
        forward = staticmethod(LegendreP3.forward)
        backward = staticmethod(LegendreP3.backward)

    v = np.linspace(-2, 2, 5)
    x, t = lg.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    LegendreP3.apply(x).pow(2).sum().backward()
    TorchP3.apply(t).pow(2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
