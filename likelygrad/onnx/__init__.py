"""ONNX export: run a likelygrad model in onnxruntime or any ONNX runtime.

    import likelygrad as lg
    lg.onnx.export(model, "model.onnx", x[:1], head="softmax")   # outputs "probs"

Each layer class maps to ONNX nodes through a registry (`register`), so a new layer is one
entry; a layer without one raises `UnsupportedLayerError` naming it. Opset 17 (see `export`).
Needs the `onnx` extra (pip install 'likelygrad[onnx]').
"""

from __future__ import annotations

# importing these registers the exporters of likelygrad.nn's layers
from . import activations as _activations  # noqa: F401
from . import convolution as _convolution  # noqa: F401
from . import layers as _layers  # noqa: F401
from . import normalization as _normalization  # noqa: F401
from .export import HEADS, OPSET, export
from .graph import Graph
from .registry import UnsupportedLayerError, export_children, export_module, exporter_for, register

__all__ = [
    "HEADS",
    "OPSET",
    "Graph",
    "UnsupportedLayerError",
    "export",
    "export_children",
    "export_module",
    "exporter_for",
    "register",
]
