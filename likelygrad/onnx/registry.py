"""The table of layer exporters: module class -> function that writes the layer's ONNX nodes.

An exporter is `fn(g, module, x, example) -> y`: given the Graph, the module, the name of its
input tensor in the graph and a sample input (a likelygrad Tensor, for shapes), it appends nodes
and returns the name of its output. Adding a layer is one entry:

    @lg.onnx.register(MyLayer)
    def my_layer(g, m, x, example):
        return g.node("Relu", [x])

Lookup is by exact class: a subclass may compute something else in its forward, so it needs
its own entry rather than silently inheriting its parent's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd import no_grad
from ..nn import Module
from ..tensor import Tensor
from .graph import Graph

Exporter = Callable[[Graph, Any, str, Tensor], str]

EXPORTERS: dict[type, Exporter] = {}
# Exporters of likelygrad.nn layers by class name, for layers that may not exist yet in this
# version (Conv2d, BatchNorm2d, ...): they apply to a class of that name defined in likelygrad.nn.
BY_NAME: dict[str, Exporter] = {}


class UnsupportedLayerError(TypeError):
    """A module of a class that has no ONNX exporter."""


def register(cls: type | str) -> Callable[[Exporter], Exporter]:
    """Decorator: `fn` exports modules of class `cls` (or, given a str, the likelygrad.nn layer
    of that name)."""

    def add(fn: Exporter) -> Exporter:
        if isinstance(cls, str):
            BY_NAME[cls] = fn
        else:
            EXPORTERS[cls] = fn
        return fn

    return add


def exporter_for(module: Any, where: str = "") -> Exporter:
    """The exporter of `module`'s class; UnsupportedLayerError naming the class otherwise."""
    cls = type(module)
    fn = EXPORTERS.get(cls)
    if fn is None and cls.__module__.startswith("likelygrad.nn"):
        fn = BY_NAME.get(cls.__name__)
    if fn is not None:
        return fn
    at = f" (at '{where}')" if where else ""
    known = sorted({c.__name__ for c in EXPORTERS} | set(BY_NAME))
    raise UnsupportedLayerError(
        f"cannot export {cls.__module__}.{cls.__qualname__}{at} to ONNX: no exporter is "
        f"registered for it. Layers with exporters: {', '.join(known)}. Add one with "
        f"@likelygrad.onnx.register({cls.__name__}) (see docs/interop.md)"
    )


def export_module(g: Graph, module: Module, x: str, example: Tensor) -> tuple[str, Tensor]:
    """Write `module`'s nodes after tensor `x`; return (output name, sample output)."""
    fn = exporter_for(module, ".".join(g.scope))
    with no_grad():
        out = module(example)
    return fn(g, module, x, example), out


def export_children(g: Graph, module: Module, x: str, example: Tensor) -> str:
    """Chain the children of a container (Sequential), each under its own name."""
    for name, child in module.named_children():
        g.scope.append(name)
        try:
            x, example = export_module(g, child, x, example)
        finally:
            g.scope.pop()
    return x
