"""Reverse-mode automatic differentiation: the engine, grad mode, hooks and custom functions.

`engine.py` is the graph walk (nodes only); `api.py` the tensor-level `backward` and `grad`;
`function.py` custom ops written as a forward and a backward on tensors (`Function`).
"""

from __future__ import annotations

import importlib
from typing import Any

from .modes import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .node import Node, RemovableHandle

_LAZY = {
    "backward": "api", "grad": "api", "Function": "function", "FunctionCtx": "function",
    "once_differentiable": "function", "gradcheck": "..gradcheck",
}  # fmt: skip


def __getattr__(name: str) -> Any:  # the tensor-level parts load on first use (no import cycle)
    if name in _LAZY:
        mod = _LAZY[name]
        return getattr(
            importlib.import_module(mod if mod.startswith("..") else f".{mod}", __name__), name
        )
    raise AttributeError(f"module 'likelygrad.autograd' has no attribute {name!r}")


__all__ = [
    "Function", "FunctionCtx", "Node", "RemovableHandle", "backward", "detect_anomaly",
    "enable_grad", "grad", "gradcheck", "inference_mode", "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "is_grad_enabled", "is_inference_mode_enabled", "no_grad", "set_detect_anomaly",
    "set_grad_enabled",
]  # fmt: skip
