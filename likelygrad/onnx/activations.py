"""Exporters of the activations PyTorch parity added (CELU, SELU, Hardtanh, ReLU6, LogSigmoid,
Mish, Softmin, Threshold, Hardsigmoid, Hardswish, PReLU), of Unflatten and of the constant
padding layers, each composed from opset-17 operators."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .graph import Graph
from .registry import register


def _scalar(g: Graph, value: float, example: Tensor, name: str) -> str:
    """A constant in the model's float dtype (ONNX does not promote)."""
    return g.const(np.asarray(value, dtype=example.dtype), name)


@register("CELU")
def celu(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """max(0, x) + min(0, α(e^{x/α} - 1))."""
    return g.node("Celu", [x], alpha=float(m.alpha))


@register("SELU")
def selu(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """λ(max(0, x) + min(0, α(eˣ - 1))) with PyTorch's (and ONNX's) fixed α and λ."""
    return g.node("Selu", [x])


def _clip(g: Graph, x: str, lo: float, hi: float, example: Tensor) -> str:
    return g.node("Clip", [x, _scalar(g, lo, example, "min"), _scalar(g, hi, example, "max")])


@register("Hardtanh")
def hardtanh(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """x clipped to [min_val, max_val]."""
    return _clip(g, x, float(m.min_val), float(m.max_val), example)


@register("ReLU6")
def relu6(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """x clipped to [0, 6]."""
    return _clip(g, x, 0.0, 6.0, example)


@register("LogSigmoid")
def log_sigmoid(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """log σ(x) = -softplus(-x), which stays finite for large |x|."""
    return g.node("Neg", [g.node("Softplus", [g.node("Neg", [x])])])


@register("Mish")
def mish(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """x tanh(softplus(x)) (opset 17 has no Mish operator; 18 does)."""
    return g.node("Mul", [x, g.node("Tanh", [g.node("Softplus", [x])])])


@register("Softmin")
def softmin(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """softmax(-x) along `dim`."""
    dim = m.dim if m.dim is not None else (0 if example.ndim in (0, 1, 3) else 1)
    return g.node("Softmax", [g.node("Neg", [x])], axis=int(dim))


@register("Threshold")
def threshold(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """x where x > threshold, else value."""
    above = g.node("Greater", [x, _scalar(g, float(m.threshold), example, "threshold")])
    return g.node("Where", [above, x, _scalar(g, float(m.value), example, "value")])


@register("Unflatten")
def unflatten(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """Split dimension `dim` into `unflattened_size`: Reshape, 0 copying the other dimensions
    (so the batch axis stays dynamic)."""
    dim = m.dim % example.ndim
    sizes = [int(s) for s in m.unflattened_size]
    shape = [0] * dim + sizes + [0] * (example.ndim - dim - 1)
    return g.node("Reshape", [x, g.ints(shape, "shape")])


@register("Hardsigmoid")
def hardsigmoid(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """max(0, min(1, x/6 + 1/2))."""
    return g.node("HardSigmoid", [x], alpha=1 / 6, beta=0.5)


@register("Hardswish")
def hardswish(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """x · max(0, min(1, x/6 + 1/2)) (ONNX's HardSwish has exactly these constants)."""
    return g.node("HardSwish", [x])


@register("PReLU")
def prelu(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """x if x > 0 else a·x: the slopes shaped (C, 1, ..., 1) to broadcast along dim 1."""
    w = m.weight.numpy(force=True)
    if w.size > 1:
        w = w.reshape((w.size,) + (1,) * (example.ndim - 2))
    return g.node("PRelu", [x, g.const(w, "slope")])


def _constant_pad(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """F.pad's (left, right, top, bottom, ...) amounts, last dimension first, as ONNX's pads:
    every dimension's begin, then every dimension's end (negative amounts crop)."""
    k = len(m.padding) // 2
    lead = [0] * (example.ndim - k)
    begins = lead + [int(m.padding[2 * i]) for i in reversed(range(k))]
    ends = lead + [int(m.padding[2 * i + 1]) for i in reversed(range(k))]
    value = _scalar(g, float(m.value), example, "value")
    return g.node("Pad", [x, g.ints(begins + ends, "pads"), value], mode="constant")


for _name in ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d",
              "ZeroPad3d"]:  # fmt: skip
    register(_name)(_constant_pad)
