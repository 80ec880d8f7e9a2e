"""The computation graph as a picture: Graphviz DOT text, and files rendered from it.

Each tensor is one box showing its label, the op that made it, its value and its gradient;
arrows run from inputs to outputs, left to right, like the graph in the lecture notes.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd.node import Node
from ..tensor import Tensor
from ._io import write_bytes

_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
_INSTALL = (
    "rendering a graph needs Graphviz: install the `dot` program (apt-get install graphviz, "
    "brew install graphviz, or conda install graphviz) and optionally the Python package "
    "(pip install graphviz); to_dot(tensor) gives the DOT text without either"
)


@dataclass(eq=False)
class Vertex:
    """One box of the picture: an op's output, a leaf, or a constant input.

    `node` is the graph node (None for a constant), `tensor` the tensor it made if that is still
    alive (for its name and gradient), `value` its array (None once backward freed it), and
    `inputs` the vertices it was computed from.
    """

    node: Node | None
    tensor: Tensor | None
    value: Any
    inputs: list[Vertex] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        if self.tensor is not None and self.tensor.name:
            return self.tensor.name
        return (self.node.meta or {}).get("name") if self.node is not None else None

    @property
    def freed(self) -> bool:
        """True when backward released this op's inputs (the edges are gone)."""
        return self.node is not None and not self.node.op.is_leaf and self.node.next is None


def walk(root: Tensor) -> list[Vertex]:
    """Every vertex reachable from `root` through the graph's nodes, output first.

    Depth-first with an explicit stack, visiting inputs in argument order, so the order (and
    every label derived from it) is the same on every run. An op's output value is the tensor
    itself while it lives, else what its consumer kept as an input.
    """
    first = Vertex(root._node, root, root.array)
    seen = {_key(root._node, root.array): first}
    stack = [first]
    while stack:
        v = stack.pop()
        node = v.node
        if node is None or node.op.is_leaf or node.next is None:
            continue
        children = []
        for n, a in zip(node.next, node.inputs):
            key = _key(n, a)
            child = seen.get(key)
            if child is None:
                t = n.out() if n is not None and n.out is not None else None
                child = seen[key] = Vertex(n, t, t.array if t is not None else a)
                children.append(child)
            v.inputs.append(child)
        stack.extend(reversed(children))  # reversed: the first input is visited first
    return _dfs_order(first)


def _key(node: Node | None, array: Any) -> int:
    return id(node) if node is not None else id(array)


def _dfs_order(root: Vertex) -> list[Vertex]:
    out, seen, stack = [], set(), [root]
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        out.append(v)
        stack.extend(reversed(v.inputs))
    return out


def kind(v: Vertex) -> str:
    """The op that made the vertex, or "leaf" (requires grad) or "input" (a constant)."""
    if v.node is None:
        return "input"
    return "leaf" if v.node.op.is_leaf else v.node.op.name


def labels(order: list[Vertex]) -> list[str]:
    """A label per vertex: its tensor's `.name` if set, else its kind and position (`mul2`).

    Labels are unique, except that unnamed one-element constants show their value (`2`).
    """
    out: list[str] = []
    used: set[str] = set()
    for i, v in enumerate(order):
        if not v.name and kind(v) == "input" and np.size(v.value) == 1:
            out.append(describe(_host(v.value))[0])  # a constant like the 2 in 2·b reads as itself
            continue
        label = v.name if v.name else f"{kind(v)}{i}"
        if label in used:  # two tensors named alike: tell them apart by position
            label = f"{label}#{i}"
        used.add(label)
        out.append(label)
    return out


def _host(a: Any) -> np.ndarray:
    """An array of any library as NumPy (for printing)."""
    if isinstance(a, np.ndarray | np.generic | int | float):
        return np.asarray(a)
    from ..backend import backend_of

    return backend_of(a).to_numpy(a)


def describe(a: np.ndarray) -> list[str]:
    """A one-element array as a number (4 significant digits); a larger one as shape and stats."""
    a = np.asarray(a)
    if a.size == 1:
        v = a.reshape(()).item()
        return [f"{v:.4g}" if isinstance(v, float) else str(v)]
    head = f"{tuple(a.shape)} {a.dtype}"
    if a.size == 0:
        return [head]
    f = a.astype(np.float64, copy=False)
    finite = f[np.isfinite(f)]
    stats = ["no finite values"]
    if finite.size:
        stats = [
            f"mean {finite.mean():.3g}  std {finite.std():.3g}",
            f"min {finite.min():.3g}  max {finite.max():.3g}",
        ]
    bad = f.size - finite.size
    return [head, *stats] + ([f"{bad} non-finite"] if bad else [])


def _escape(text: str) -> str:
    """Escape text for a field of a Graphviz record label (inside a double-quoted string)."""
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
    for ch in "{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


def _record(label: str, v: Vertex) -> str:
    """The fields of one box, top to bottom: who it is, its value, its gradient."""
    op = kind(v)
    value = None if v.value is None else _host(v.value)
    # Unnamed labels already say the op, and an unnamed constant's label is its value.
    title = (
        f"{label} ({op})"
        if v.name
        else op
        if value is not None and label == describe(value)[0]
        else label
    )
    if v.freed:
        title += " [inputs freed by backward()]"
    fields = [_escape(title)]
    if value is not None:
        fields.append(_field("value", value))
    grad = v.tensor._grad if v.tensor is not None else None  # _grad: no non-leaf warning
    if grad is not None:
        fields.append(_field("grad", grad.numpy(force=True)))
    return "|".join(fields)


def _field(what: str, a: np.ndarray) -> str:
    """`value -40` on one line; an array's shape, then its statistics on the lines below."""
    first, *rest = describe(a)
    return "\\n".join(_escape(s) for s in [f"{what} {first}", *rest])


def to_dot(tensor: Tensor) -> str:
    """Graphviz DOT text for the graph that produced `tensor` (inputs left, output right).

    The str returned is a `DotSource`: in a notebook it displays as the picture (with
    Graphviz installed) or as a readable list of the graph's nodes.
    """
    from .notebook import DotSource, graph_text

    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    order = walk(tensor)
    names = labels(order)
    index = {id(v): i for i, v in enumerate(order)}
    lines = [
        "digraph likelygrad {",
        "  rankdir=LR;",
        '  node [shape=record, fontsize=11, style=filled, fillcolor="white"];',
    ]
    for i, (v, label) in enumerate(zip(order, names)):
        # Colour says what backward does with a tensor: leaves that require grad are what
        # training updates (blue), constants get no gradient (grey), the output is the seed.
        fill = "#d0e4f5" if kind(v) == "leaf" else "#eeeeee" if kind(v) == "input" else "white"
        extra = ", penwidth=2" if i == 0 else ""
        lines.append(f'  n{i} [label="{_record(label, v)}", fillcolor="{fill}"{extra}];')
    for i, v in enumerate(order):
        for u in v.inputs:
            lines.append(f"  n{index[id(u)]} -> n{i};")
    lines.append("}")
    return DotSource("\n".join(lines) + "\n", graph_text(tensor))


def _graphviz_bytes(dot: str, fmt: str) -> bytes:
    """Render with the Python `graphviz` package if installed, else the `dot` program."""
    try:
        graphviz = importlib.import_module("graphviz")
    except ImportError:
        graphviz = None
    if graphviz is not None:
        try:
            return graphviz.Source(dot).pipe(format=fmt)
        except graphviz.ExecutableNotFound as e:
            raise RuntimeError(_INSTALL) from e
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(_INSTALL)
    proc = subprocess.run([exe, f"-T{fmt}"], input=dot.encode(), capture_output=True, timeout=120)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"dot -T{fmt} failed (exit status {proc.returncode}): {err}")
    return proc.stdout


def render(tensor: Tensor, path: str | os.PathLike) -> Path:
    """Draw the graph of `tensor` to `path`; the suffix (.svg, .png or .pdf) picks the format."""
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"render: cannot tell the format of {path.name!r}; use a path ending in "
            f"{', '.join(_FORMATS)}, or to_dot(tensor) for the DOT text"
        )
    dot = to_dot(tensor)
    if fmt == "png":  # Graphviz's default 96 dpi makes small text blurry in a bitmap
        dot = dot.replace("rankdir=LR;", "rankdir=LR;\n  dpi=150;", 1)
    return write_bytes(path, _graphviz_bytes(dot, fmt))
