"""`Graph`: the ONNX graph an export builds, node by node, with weights as initializers.

Exporters call `g.node(op, inputs, **attributes)` and `g.const(array, name)`; tensor names are
made unique here. Weights are named after the parameters they come from ("0.weight"), so the
file reads like the model's state_dict in a viewer such as Netron.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


def as_numpy(value: Any) -> np.ndarray:
    """A tensor, parameter or array as a NumPy array (from any device)."""
    if isinstance(value, Tensor):
        return value.numpy(force=True)
    return np.asarray(value)


class Graph:
    """Nodes and initializers of one ONNX graph under construction (needs the `onnx` package)."""

    def __init__(self, onnx: Any, dtype: np.dtype) -> None:
        self.onnx = onnx
        self.dtype = np.dtype(dtype)  # the float type of the model's activations
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = set()
        self.scope: list[str] = []  # the module path being exported ("0", "layers.1", ...)

    def name(self, base: str) -> str:
        """`base`, or `base_1`, `base_2`, ...: a tensor name not used yet in this graph."""
        name, i = base, 0
        while name in self._used:
            i += 1
            name = f"{base}_{i}"
        self._used.add(name)
        return name

    def here(self, suffix: str) -> str:
        """A name under the current module path: 'layers.1.weight'."""
        return ".".join([*self.scope, suffix]) if self.scope else suffix

    def const(self, value: Any, name: str, dtype: Any = None) -> str:
        """Add `value` as an initializer (cast to `dtype`, else the graph's float type when it is
        floating point) and return its name."""
        a = as_numpy(value)
        if dtype is not None:
            a = a.astype(dtype)
        elif a.dtype.kind == "f":
            a = a.astype(self.dtype)
        full = self.name(self.here(name))
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(a), full))
        return full

    def ints(self, values: Any, name: str) -> str:
        """An int64 initializer, as the shape and axes inputs of Reshape, Split... take."""
        return self.const(np.asarray(values, dtype=np.int64), name, np.int64)

    def node(self, op: str, inputs: list[str], n_outputs: int = 1, **attributes: Any) -> Any:
        """Append an `op` node; return its output name (a list of names if n_outputs > 1)."""
        base = self.here(op.lower())
        outputs = [self.name(base) for _ in range(n_outputs)]
        node_name = self.name(f"{base}:node")
        self.nodes.append(
            self.onnx.helper.make_node(op, inputs, outputs, name=node_name, **attributes)
        )
        return outputs[0] if n_outputs == 1 else outputs

    def rename_output(self, current: str, wanted: str) -> str:
        """Make the graph's output called `wanted` (an Identity node), for stable output names."""
        self._used.add(wanted)
        self.nodes.append(
            self.onnx.helper.make_node("Identity", [current], [wanted], name=f"{wanted}:node")
        )
        return wanted
