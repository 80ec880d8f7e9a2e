"""The computation graph as a picture: Graphviz DOT text, and files rendered from it.

Each tensor is one box showing its label, the op that made it, its value and its gradient;
arrows run from inputs to outputs, left to right, like the graph in the lecture notes.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from ._io import write_bytes

_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
_INSTALL = (
    "rendering a graph needs Graphviz: install the `dot` program (apt-get install graphviz, "
    "brew install graphviz, or conda install graphviz) and optionally the Python package "
    "(pip install graphviz); to_dot(tensor) gives the DOT text without either"
)


def walk(root: Tensor) -> list[Tensor]:
    """Every tensor reachable from `root` through its inputs, leaves included, output first.

    Depth-first with an explicit stack, visiting inputs in argument order, so the order (and
    every label derived from it) is the same on every run. A graph released by backward() ends
    at the tensors whose inputs were freed.
    """
    order: list[Tensor] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        order.append(t)
        parents = t._node.parents if t._node is not None else None
        stack.extend(reversed(parents or ()))  # reversed: the first input is visited first
    return order


def kind(t: Tensor) -> str:
    """The op that made `t`, or "leaf" (a parameter, requires grad) or "input" (a constant)."""
    if t._node is not None:
        return t._node.op.name
    return "leaf" if t.requires_grad else "input"


def labels(order: list[Tensor]) -> list[str]:
    """A label per tensor: its `.name` if set, else its kind and position (`mul2`).

    Labels are unique, except that unnamed one-element constants show their value (`2`).
    """
    out: list[str] = []
    used: set[str] = set()
    for i, t in enumerate(order):
        if not t.name and kind(t) == "input" and t.data.size == 1:
            out.append(describe(t.data)[0])  # a constant like the 2 in 2·b reads as itself
            continue
        label = t.name if t.name else f"{kind(t)}{i}"
        if label in used:  # two tensors named alike: tell them apart by position
            label = f"{label}#{i}"
        used.add(label)
        out.append(label)
    return out


def describe(a: np.ndarray) -> list[str]:
    """A one-element array as a number (4 significant digits); a larger one as shape and stats."""
    a = np.asarray(a)
    if a.size == 1:
        v = a.reshape(()).item()
        return [f"{v:.4g}" if isinstance(v, float) else str(v)]
    head = f"{a.shape} {a.dtype}"
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


def _record(label: str, t: Tensor) -> str:
    """The fields of one box, top to bottom: who it is, its value, its gradient."""
    op = kind(t)
    # Unnamed labels already say the op, and an unnamed constant's label is its value.
    title = f"{label} ({op})" if t.name else op if label == describe(t.data)[0] else label
    if t._node is not None and t._node.parents is None:
        title += " [inputs freed by backward()]"
    fields = [_escape(title), _field("value", t.data)]
    if t.grad is not None:
        fields.append(_field("grad", t.grad))
    return "|".join(fields)


def _field(what: str, a: np.ndarray) -> str:
    """`value -40` on one line; an array's shape, then its statistics on the lines below."""
    first, *rest = describe(a)
    return "\\n".join(_escape(s) for s in [f"{what} {first}", *rest])


def to_dot(tensor: Tensor) -> str:
    """Graphviz DOT text for the graph that produced `tensor` (inputs left, output right)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    order = walk(tensor)
    names = labels(order)
    index = {id(t): i for i, t in enumerate(order)}
    lines = [
        "digraph likelygrad {",
        "  rankdir=LR;",
        '  node [shape=record, fontsize=11, style=filled, fillcolor="white"];',
    ]
    for i, (t, label) in enumerate(zip(order, names)):
        # Colour says what backward does with a tensor: leaves that require grad are what
        # training updates (blue), constants get no gradient (grey), the output is the seed.
        fill = "#d0e4f5" if kind(t) == "leaf" else "#eeeeee" if kind(t) == "input" else "white"
        extra = ", penwidth=2" if i == 0 else ""
        lines.append(f'  n{i} [label="{_record(label, t)}", fillcolor="{fill}"{extra}];')
    for i, t in enumerate(order):
        parents = t._node.parents if t._node is not None else None
        for p in parents or ():
            lines.append(f"  n{index[id(p)]} -> n{i};")
    lines.append("}")
    return "\n".join(lines) + "\n"


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
