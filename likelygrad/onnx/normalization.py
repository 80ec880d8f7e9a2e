"""Exporters of normalization, embedding and the activations named as PyTorch names them, for the
likelygrad.nn classes of those names (registered by name; written against torch's attributes:
weight, bias, running_mean, running_var, eps, normalized_shape, negative_slope, alpha, dim,
approximate, max_norm)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from .graph import Graph
from .registry import UnsupportedLayerError, register


@register("BatchNorm1d")
@register("BatchNorm2d")
@register("BatchNorm3d")
def batch_norm(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """Eval mode: (x - running_mean) / √(running_var + eps) · weight + bias per channel (axis 1),
    ONNX BatchNormalization with its inference-only outputs."""
    if getattr(m, "running_mean", None) is None:
        raise UnsupportedLayerError(
            f"cannot export {type(m).__name__}(track_running_stats=False) to ONNX: in eval mode "
            "it normalizes with each batch's own statistics"
        )
    c = m.running_mean.shape[0]
    weight = m.weight if m.weight is not None else np.ones(c)
    bias = m.bias if m.bias is not None else np.zeros(c)
    stats = [g.const(m.running_mean, "running_mean"), g.const(m.running_var, "running_var")]
    inputs = [x, g.const(weight, "weight"), g.const(bias, "bias"), *stats]
    return g.node("BatchNormalization", inputs, epsilon=float(m.eps))


@register("LayerNorm")
def layer_norm(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """ONNX LayerNormalization over the last len(normalized_shape) axes (opset 17's reason)."""
    shape = (
        [int(m.normalized_shape)]
        if isinstance(m.normalized_shape, int)
        else list(m.normalized_shape)
    )
    weight = getattr(m, "weight", None)
    bias = getattr(m, "bias", None)
    inputs = [x, g.const(weight if weight is not None else np.ones(shape), "weight")]
    if bias is not None:
        inputs.append(g.const(bias, "bias"))
    return g.node("LayerNormalization", inputs, axis=-len(shape), epsilon=float(m.eps))


@register("GroupNorm")
def group_norm(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """Each example's channels in num_groups groups, normalized over the group and the spatial
    axes, then weight · x̂ + bias per channel. Opset 17 has no GroupNormalization (18's scales
    per group, 21's per channel), so: Reshape to (N, G, -1), the mean and variance over the last
    axis, Reshape back to x's shape, and the per-channel affine broadcast over (C, 1, ..., 1)."""
    groups = g.node("Reshape", [x, g.ints([0, int(m.num_groups), -1], "groups_shape")])
    mean = g.node("ReduceMean", [groups], axes=[2], keepdims=1)
    centred = g.node("Sub", [groups, mean])
    var = g.node("ReduceMean", [g.node("Mul", [centred, centred])], axes=[2], keepdims=1)
    std = g.node("Sqrt", [g.node("Add", [var, g.const(np.asarray(m.eps), "eps")])])
    y = g.node("Reshape", [g.node("Div", [centred, std]), g.node("Shape", [x])])
    per_channel = (int(m.num_channels),) + (1,) * (example.ndim - 2)
    if m.weight is not None:
        y = g.node("Mul", [y, g.const(m.weight.numpy(force=True).reshape(per_channel), "weight")])
    if m.bias is not None:
        y = g.node("Add", [y, g.const(m.bias.numpy(force=True).reshape(per_channel), "bias")])
    return y


@register("Dropout1d")
@register("Dropout2d")
def channel_dropout(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """The identity: export is for inference, where dropout does nothing."""
    return g.node("Identity", [x])


@register("Embedding")
def embedding(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """Rows of the weight table: Gather on axis 0 (padding_idx only matters for training)."""
    if getattr(m, "max_norm", None) is not None:
        raise UnsupportedLayerError(
            "cannot export Embedding(max_norm=...) to ONNX: it renormalizes rows as it reads them"
        )
    return g.node("Gather", [g.const(m.weight, "weight"), x], axis=0)


@register("LeakyReLU")
def leaky_relu(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """max(0, x) + negative_slope · min(0, x)."""
    return g.node("LeakyRelu", [x], alpha=float(m.negative_slope))


@register("ELU")
def elu(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """x if x > 0, else alpha (eˣ - 1)."""
    return g.node("Elu", [x], alpha=float(m.alpha))


@register("SiLU")
def silu(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """x σ(x)."""
    return g.node("Mul", [x, g.node("Sigmoid", [x])])


@register("GELU")
def gelu(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """x Φ(x) = ½x(1 + erf(x/√2)), or with approximate='tanh' ½x(1 + tanh(√(2/π)(x + 0.044715x³)));
    opset 17 has no Gelu operator (it came in 20), so it is composed."""
    half = g.const(np.float32(0.5), "half")
    one = g.const(np.float32(1.0), "one")
    if getattr(m, "approximate", "none") == "tanh":
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, g.const(np.float32(0.044715), "c")])])
        scaled = g.node("Mul", [inner, g.const(np.float32(math.sqrt(2 / math.pi)), "k")])
        core = g.node("Tanh", [scaled])
    else:
        core = g.node("Erf", [g.node("Mul", [x, g.const(np.float32(1 / math.sqrt(2)), "k")])])
    return g.node("Mul", [g.node("Mul", [x, half]), g.node("Add", [core, one])])


def _softmax_axis(m: Any, example: Tensor) -> int:
    """`dim`, or for dim=None torch's legacy choice: axis 0 for 0-, 1- and 3-d inputs, else 1."""
    if m.dim is not None:
        return int(m.dim)
    return 0 if example.ndim in (0, 1, 3) else 1


@register("Softmax")
def softmax(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """Softmax along `dim`."""
    return g.node("Softmax", [x], axis=_softmax_axis(m, example))


@register("LogSoftmax")
def log_softmax(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """log softmax along `dim`."""
    return g.node("LogSoftmax", [x], axis=_softmax_axis(m, example))
