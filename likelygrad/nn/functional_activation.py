"""More of `nn.functional`'s activations: `hardsigmoid` and `hardswish` (MobileNetV3's cheap
sigmoid and swish, ops in `activations.py`) and `prelu` (a leaky ReLU with learned slopes,
composed of tensor ops so its weight gets a gradient)."""

from __future__ import annotations

from .. import activations as A
from ..functions import where
from ..tensor import Tensor
from .functional import _act


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return _act(input, A.Hardsigmoid, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x · relu6(x + 3) / 6."""
    return _act(input, A.Hardswish, inplace)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else weight · x, with one slope (weight of 1 element) or one per channel
    (dim 1 of input; weight of C elements). The gradient at x = 0 takes the slope's side."""
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: weight must be 0-D or 1-D, got {weight.ndim}-D")
    n = weight.numel()
    channels = input.shape[1] if input.ndim >= 2 else 1  # a 1-D input has no channel dim
    if n not in (1, channels):
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers "
            f"= {n} and channel size = {channels}."
        )
    shape = [1] * input.ndim
    if input.ndim >= 2:
        shape[1] = n
    slope = weight.reshape(shape)
    return where(input > 0, input, slope * input)
