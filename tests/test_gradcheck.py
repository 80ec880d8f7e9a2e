"""The checker itself: it passes correct gradients and catches wrong ones, saying where."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg
from likelygrad.dispatch import apply
from likelygrad.ops import Op


class WrongSquare(Op):  # forward x², VJP deliberately 3x instead of 2x at one element
    @staticmethod
    def forward(ctx, x):
        ctx.saved = x
        return x * x

    @staticmethod
    def backward(ctx, g):
        grad = 2 * ctx.saved * g
        grad.flat[4] *= 1.5
        return (grad,)


def test_passes_a_correct_gradient():
    x = lg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    assert lg.gradcheck(lambda t: (t * t).sum(axis=0), x)


def test_catches_a_wrong_gradient_and_names_input_and_index():
    x = lg.tensor(np.random.default_rng(0).standard_normal((3, 4)) + 3, requires_grad=True)
    y = lg.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(lg.GradcheckError, match=r"input 1 \(3, 4\).*at index \(1, 0\)"):
        lg.gradcheck(lambda a, b: a.sum() + apply(WrongSquare, b).sum(), y, x)


def test_unmarked_inputs_are_all_checked_and_ints_are_skipped():
    idx = np.array([2, 0])
    assert lg.gradcheck(lambda a, i: a[i].exp(), np.arange(3.0), idx)


def test_needs_a_float_input_and_a_tensor_result():
    with pytest.raises(ValueError, match="no floating-point input"):
        lg.gradcheck(lambda i: i, np.arange(3))
    with pytest.raises(TypeError, match="must return a Tensor"):
        lg.gradcheck(lambda a: 1.0, np.ones(2))
