"""Rich display in Jupyter: graphs drawn inline, and summaries of modules and tensors.

`to_dot(t)` returns a `DotSource`: a str (the DOT text, usable as before) that a notebook shows
as an SVG picture when Graphviz's `dot` is installed, and as a readable list of the graph's
nodes otherwise. `module_html`/`module_text` and `tensor_html`/`tensor_text` are the summaries
behind `Module._repr_html_` and `Tensor._repr_html_`: layers with their parameter counts, and a
tensor's shape, dtype, device and gradient status.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import graph


class DotSource(str):
    """Graphviz DOT text of a computation graph that displays itself in a notebook."""

    text: str  # the readable form, computed when the graph was walked
    _svg: str | None

    def __new__(cls, dot: str, text: str = "") -> DotSource:
        self = super().__new__(cls, dot)
        self.text, self._svg = text, None
        return self

    @property
    def source(self) -> str:
        """The DOT text as a plain str (as graphviz.Source.source)."""
        return str.__str__(self)

    def svg(self) -> str | None:
        """The picture as SVG text, or None when Graphviz is not installed."""
        if self._svg is None:
            try:
                self._svg = graph._graphviz_bytes(self.source, "svg").decode()
            except RuntimeError:
                return None
        return self._svg

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython's text form of a str
        p.text(self.text or self.source)

    def _repr_svg_(self) -> str | None:
        return self.svg()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        bundle = {"text/plain": self.text or self.source}
        svg = self.svg()
        if svg is not None:
            bundle["image/svg+xml"] = svg
        return bundle


def graph_text(tensor: Tensor) -> str:
    """The graph as lines 'label = op(inputs)  value ...  grad ...', output first."""
    order = graph.walk(tensor)
    names = graph.labels(order)
    index = {id(v): i for i, v in enumerate(order)}
    lines = []
    for v, label in zip(order, names):
        op = graph.kind(v)
        if op == "input" and not v.name and np.size(v.value) == 1:
            continue  # a constant like the 2 in 2·b is shown by value where it is used
        args = ", ".join(names[index[id(u)]] for u in v.inputs)
        head = f"{label} = {op}({args})" if v.inputs else f"{label} ({op})"
        fields = [head]
        if v.value is not None:
            fields.append("value " + "; ".join(graph.describe(graph._host(v.value))))
        grad = v.tensor._grad if v.tensor is not None else None  # no non-leaf warning
        if grad is not None:
            fields.append("grad " + "; ".join(graph.describe(grad.numpy(force=True))))
        if v.freed:
            fields.append("(inputs freed by backward())")
        lines.append("   ".join(fields))
    return "\n".join(lines)


# ---- modules ----------------------------------------------------------------------------------
def _count(params: Any) -> tuple[int, int]:
    total = trainable = 0
    for p in params:
        total += p.numel()
        trainable += p.numel() if p.requires_grad else 0
    return total, trainable


def module_rows(module: Any) -> list[tuple[str, str, int]]:
    """(dotted name, layer description, parameters it owns) for the module and every
    descendant that owns parameters or has no children (a layer)."""
    rows = []
    for name, m in module.named_modules():
        own = sum(p.numel() for p in m.parameters(recurse=False))
        if own or not m._modules:
            extra = m.extra_repr()
            rows.append((name or "(self)", f"{type(m).__name__}({extra})", own))
    return rows


def _totals(module: Any) -> str:
    total, trainable = _count(module.parameters())
    params = list(module.parameters())
    dtypes = sorted({str(p.dtype) for p in params}) or ["-"]
    devices = sorted({str(p.device) for p in params}) or ["-"]
    mode = "training" if module.training else "eval"
    frozen = f", {total - trainable:,} frozen" if trainable != total else ""
    return (f"{total:,} parameters{frozen} · {'/'.join(dtypes)} · {'/'.join(devices)} · "
            f"{mode} mode")  # fmt: skip


def module_text(module: Any) -> str:
    """A plain-text table of the layers and their parameter counts, and the totals."""
    rows = module_rows(module)
    width = max((len(n) for n, _, _ in rows), default=4)
    lines = [f"{type(module).__name__}: {_totals(module)}"]
    lines += [f"  {n:<{width}}  {d}  {c:,}" if c else f"  {n:<{width}}  {d}" for n, d, c in rows]
    return "\n".join(lines)


def module_html(module: Any) -> str:
    """An HTML table of the layers and their parameter counts, and the totals."""
    cells = "".join(
        f"<tr><td><code>{html.escape(n)}</code></td><td>{html.escape(d)}</td>"
        f"<td style='text-align:right'>{c:,}</td></tr>"
        for n, d, c in module_rows(module)
    )
    return (
        f"<div><b>{html.escape(type(module).__name__)}</b>: {html.escape(_totals(module))}"
        "<table><thead><tr><th>name</th><th>layer</th><th>parameters</th></tr></thead>"
        f"<tbody>{cells}</tbody></table></div>"
    )


# ---- tensors ----------------------------------------------------------------------------------
def tensor_status(t: Tensor) -> str:
    """'shape (2, 3) · float32 · cpu · requires grad (leaf), grad set'."""
    parts = [f"shape {tuple(t.shape)}", str(t.dtype), str(t.device)]
    if t.grad_fn is not None:
        parts.append(f"computed by {t.grad_fn.name()}")
    elif t.requires_grad:
        grad = "grad set" if t.grad is not None else "no grad yet"
        parts.append(f"requires grad (leaf), {grad}")
    else:
        parts.append("no grad")
    if t.name:
        parts.insert(0, repr(t.name))
    return " · ".join(parts)


def tensor_text(t: Tensor) -> str:
    """The tensor's status line, then its usual repr."""
    return f"{tensor_status(t)}\n{t!r}"


def tensor_html(t: Tensor) -> str:
    """The tensor's status line in bold, then its usual repr as preformatted text."""
    return f"<div><b>{html.escape(tensor_status(t))}</b><pre>{html.escape(repr(t))}</pre></div>"
