"""Exporters of the layers in likelygrad.nn.layers: Linear, activations, Dropout, Flatten,
Sequential. Each is a few ONNX nodes that compute what the layer's forward computes in eval
mode (export is for inference: Dropout is the identity there)."""

from __future__ import annotations

from typing import Any

from .. import nn
from ..tensor import Tensor
from .graph import Graph
from .registry import export_children, register


@register(nn.Linear)
def linear(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """y = x Wᵀ + b: one Gemm for a batch of vectors, MatMul (+ Add) for more dimensions."""
    if example.ndim == 2:
        inputs = [x, g.const(m.weight, "weight")]
        if m.bias is not None:
            inputs.append(g.const(m.bias, "bias"))
        return g.node("Gemm", inputs, transB=1)
    # MatMul broadcasts over the leading axes as Linear does; it takes Wᵀ, stored transposed
    y = g.node("MatMul", [x, g.const(m.weight.numpy(force=True).T, "weight_t")])
    return y if m.bias is None else g.node("Add", [y, g.const(m.bias, "bias")])


def _unary(op: str) -> Any:
    def export(g: Graph, m: Any, x: str, example: Tensor) -> str:
        return g.node(op, [x])

    export.__doc__ = f"The elementwise ONNX {op}."
    return export


for _cls, _op in [(nn.ReLU, "Relu"), (nn.Sigmoid, "Sigmoid"), (nn.Tanh, "Tanh"),
                  (nn.Softplus, "Softplus"), (nn.Identity, "Identity"),
                  (nn.Dropout, "Identity")]:  # fmt: skip
    register(_cls)(_unary(_op))


@register(nn.Flatten)
def flatten(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """Keep the axes before start_dim, merge the rest: Reshape to (0, ..., 0, -1), where 0
    copies an input dimension (so the batch axis stays dynamic)."""
    start = m.start_dim if m.start_dim >= 0 else m.start_dim + example.ndim
    if start == 1:
        return g.node("Flatten", [x], axis=1)
    return g.node("Reshape", [x, g.ints([0] * start + [-1], "shape")])


register(nn.Sequential)(export_children)
