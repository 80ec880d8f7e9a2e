"""Exporters of the convolution and pooling layers, registered by name for the likelygrad.nn
classes that carry them (Conv1d, Conv2d, ConvTranspose2d, MaxPool2d, ...), and written against
PyTorch's attribute names: weight, bias, kernel_size, stride, padding, output_padding, dilation,
groups, padding_mode, ceil_mode, count_include_pad, output_size. An attribute may be an int or a
tuple, as in torch."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .graph import Graph
from .registry import UnsupportedLayerError, register


def _tuple(v: Any, n: int) -> list[int]:
    """An int or a sequence as n ints (torch's _pair/_triple)."""
    return [int(v)] * n if isinstance(v, int) else [int(a) for a in v]


def _refuse(m: Any, what: str) -> UnsupportedLayerError:
    return UnsupportedLayerError(f"cannot export {type(m).__name__} to ONNX: {what}")


def _pads(m: Any, n: int, kernel: list[int], dilation: list[int]) -> list[int]:
    """ONNX pads (all begins, then all ends) from torch's padding: ints, 'valid' or 'same'
    (total d·(k-1) per axis, the odd one on the end, as torch pads)."""
    padding = m.padding
    if padding == "valid":
        return [0] * 2 * n
    if padding == "same":
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    p = _tuple(padding, n)
    return p + p


@register("Conv1d")
@register("Conv2d")
@register("Conv3d")
def conv(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """torch's ConvNd (cross-correlation) is ONNX Conv with the same weight layout
    (out, in/groups, *kernel). padding_mode 'reflect' and 'replicate' become a Pad node (modes
    'reflect' and 'edge') before an unpadded Conv; opset 17's Pad has no circular mode."""
    mode = getattr(m, "padding_mode", "zeros")
    if mode == "circular":
        raise _refuse(m, "padding_mode='circular' (ONNX Pad wraps around only from opset 19)")
    n = m.weight.ndim - 2
    kernel, dilation = _tuple(m.kernel_size, n), _tuple(m.dilation, n)
    pads = _pads(m, n, kernel, dilation)
    if mode != "zeros":  # Pad's pads: begins then ends of every axis, batch and channels too
        widths = [0, 0] + pads[:n] + [0, 0] + pads[n:]
        onnx_mode = {"reflect": "reflect", "replicate": "edge"}[mode]
        x = g.node("Pad", [x, g.ints(widths, "pads")], mode=onnx_mode)
        pads = [0] * 2 * n
    inputs = [x, g.const(m.weight, "weight")]
    if m.bias is not None:
        inputs.append(g.const(m.bias, "bias"))
    return g.node("Conv", inputs, kernel_shape=kernel, strides=_tuple(m.stride, n),
                  pads=pads, dilations=dilation,
                  group=int(m.groups))  # fmt: skip


def _pool_geometry(m: Any, n: int) -> dict[str, Any]:
    kernel = _tuple(m.kernel_size, n)
    stride = kernel if m.stride is None or m.stride == [] else _tuple(m.stride, n)
    return {"kernel_shape": kernel, "strides": stride, "pads": _tuple(m.padding, n) * 2,
            "ceil_mode": int(bool(getattr(m, "ceil_mode", False)))}  # fmt: skip


@register("MaxPool1d")
@register("MaxPool2d")
def max_pool(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """ONNX MaxPool: padded positions never win, as torch's implicit -inf padding."""
    if getattr(m, "return_indices", False):
        raise _refuse(m, "return_indices=True")
    n = example.ndim - 2
    return g.node("MaxPool", [x], dilations=_tuple(getattr(m, "dilation", 1), n),
                  **_pool_geometry(m, n))  # fmt: skip


@register("AvgPool1d")
@register("AvgPool2d")
def avg_pool(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """ONNX AveragePool, counting padded zeros in the mean as torch's count_include_pad."""
    if getattr(m, "divisor_override", None) is not None:
        raise _refuse(m, "divisor_override")
    n = example.ndim - 2
    include = int(bool(getattr(m, "count_include_pad", True)))
    return g.node("AveragePool", [x], count_include_pad=include, **_pool_geometry(m, n))


@register("AdaptiveAvgPool1d")
@register("AdaptiveAvgPool2d")
def adaptive_avg_pool(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """Output size 1 is GlobalAveragePool; a size that divides the input is a plain average
    pool with kernel = stride = input / output; other sizes have no single ONNX operator."""
    n = example.ndim - 2
    wanted = [m.output_size] * n if isinstance(m.output_size, int) else list(m.output_size)
    out = [s if o is None else int(o) for o, s in zip(wanted, example.shape[2:])]
    size = list(example.shape[2:])
    if all(o == 1 for o in out):
        return g.node("GlobalAveragePool", [x])
    if any(s % o for s, o in zip(size, out)):
        raise _refuse(m, f"output_size {out} does not divide the input's {size}")
    kernel = [s // o for s, o in zip(size, out)]
    return g.node("AveragePool", [x], kernel_shape=kernel, strides=kernel)


@register("ConvTranspose1d")
@register("ConvTranspose2d")
@register("ConvTranspose3d")
def conv_transpose(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """torch's ConvTransposeNd is ONNX ConvTranspose with the same weight layout
    (in, out/groups, *kernel), padding on both sides and output_padding at the end: ONNX's
    output size (S - 1)·stride + output_padding + dilation·(K - 1) + 1 - pads is torch's."""
    n = m.weight.ndim - 2
    padding = _tuple(m.padding, n)
    inputs = [x, g.const(m.weight, "weight")]
    if m.bias is not None:
        inputs.append(g.const(m.bias, "bias"))
    return g.node("ConvTranspose", inputs, kernel_shape=_tuple(m.kernel_size, n),
                  strides=_tuple(m.stride, n), pads=padding + padding,
                  dilations=_tuple(m.dilation, n), output_padding=_tuple(m.output_padding, n),
                  group=int(m.groups))  # fmt: skip


@register("MaxUnpool1d")
@register("MaxUnpool2d")
def max_unpool(g: Graph, m: Any, x: str, example: Tensor) -> str:
    """Refused: unpooling takes a second input, the indices of a MaxPool, where export writes a
    chain of one-input layers; and ONNX MaxUnpool's indices count over the whole tensor where
    torch's count within each (H, W) plane."""
    raise _refuse(
        m,
        "it takes a second input (the indices of a MaxPool with return_indices=True), and "
        "export writes a chain of one-input layers; export the layers before and after it "
        "separately, or upsample with a ConvTranspose layer instead",
    )
